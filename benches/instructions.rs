//! The pipeline's work in instructions rather than time: runs one stage on
//! the 1 MiB benchmark delivery (the one `benches/pipeline.rs` times) a
//! given number of times, for `scripts/count-instructions.sh` to count
//! under callgrind. Instruction counts do not move with the load of a
//! shared machine, so they compare two versions of the code exactly; time
//! is still what `cargo bench --bench pipeline` reports.
//!
//! `cargo bench --bench instructions -- STAGE N`, STAGE one of `gunzip`,
//! `whole` (base64 → gunzip → JSON → parse → join → render, the body
//! written to nowhere), `decode`, `parse_json`, `parse_lines` (the line
//! parser's part of `whole`); or `parse:STACK` (the
//! parser alone on one fixture stack's events, as the delivery holds them:
//! `flask`, `flask-json`, `xray-daemon`, `lambda-python`), counted per
//! event: `scripts/count-instructions.sh --stacks`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use cwl_trace_bridge::config::{Config, Settings};
use cwl_trace_bridge::decode::{self, Limits};
use cwl_trace_bridge::parse::{self, Rules};
use cwl_trace_bridge::pipeline::Pipeline;

mod common;

/// The functions the script counts inside, one per stage.
pub const STAGES: &[(&str, &str)] = &[
    ("gunzip", "cwl_trace_bridge::decode::gunzip"),
    ("whole", "cwl_trace_bridge::pipeline::Pipeline::prepare_event"),
    ("decode", "cwl_trace_bridge::decode::inflate_event"),
    ("parse_json", "cwl_trace_bridge::decode::parse_json"),
    // The whole pipeline's run, counted inside the line parser only: what
    // the parser takes of `whole` (the rest is decode, join and render).
    ("parse_lines", "cwl_trace_bridge::parse::parse_in"),
];

/// The function `parse:STACK` counts inside.
pub const PARSE: &str = "cwl_trace_bridge::parse::parse_in";

fn main() {
    // `cargo bench` passes `--bench`; the stage and count follow it.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (stage, n) = match args.as_slice() {
        [stage, n] => (stage.as_str(), n.parse::<usize>().unwrap_or(1)),
        [stage] => (stage.as_str(), 1),
        _ => ("list", 0),
    };
    if let Some(name) = stage.strip_prefix("parse:") {
        let Some((file, _)) = common::FIXTURES.iter().find(|(_, n)| *n == name) else {
            eprintln!("no stack {name}");
            std::process::exit(2);
        };
        let d = common::fixture_delivery(file);
        let rules = Rules::default();
        let group = parse::Group::new(&d.log_group);
        for _ in 0..n {
            for e in &d.events {
                black_box(parse::parse_in(black_box(&e.message), group, &rules));
            }
        }
        println!("{}", d.events.len());
        return;
    }
    if stage == "stacks" {
        for (_, name) in common::FIXTURES {
            println!("{name}\t{PARSE}");
        }
        return;
    }
    let json = common::big_delivery_json(1 << 20);
    let event = decode::encode_event(&json);
    let gz = decode::decode_base64(&decode::encode_data(&json), Limits::default()).unwrap();
    let limits = Limits::default();
    let pipeline = Pipeline::new(Config::from_settings(&Settings::default()).unwrap());
    for _ in 0..n {
        match stage {
            "gunzip" => drop(black_box(decode::gunzip(black_box(&gz), limits).unwrap())),
            "whole" | "parse_lines" => {
                let p = pipeline.prepare_event(black_box(event.as_bytes())).unwrap();
                black_box(p.batch.body.len());
            }
            "decode" => drop(black_box(
                decode::inflate_event(black_box(event.as_bytes()), limits).unwrap(),
            )),
            "parse_json" => {
                let inflated = decode::inflate_event(event.as_bytes(), limits).unwrap();
                black_box(decode::parse_json(black_box(&inflated)).unwrap().events.len());
            }
            _ => {
                for (name, function) in STAGES {
                    println!("{name}\t{function}");
                }
                return;
            }
        }
    }
    eprintln!("{stage} x{n}: {} decoded bytes per delivery", json.len());
}
