//! The pipeline: decode → parse → join → render, shared by the Lambda and
//! the replay tool. [`Pipeline::prepare`] turns one decoded delivery into a
//! `_bulk` [`Batch`] and its [`Stats`]; sending the batch is the sink's job.
//!
//! The only state kept between deliveries is the trace joiner, behind a std
//! `Mutex` that is locked only inside the synchronous join step (never across
//! an `.await`).

use std::sync::Mutex;

use crate::config::Config;
use crate::decode::{self, DecodeError, LogsData, MessageType};
use crate::fields;
use crate::join::{DocRef, TraceJoiner};
use crate::multiline;
use crate::parse::{self, Line, TraceSource};
use crate::render::{self, IndexNamer, Origin};
use crate::sink::{Action, Batch};
use crate::stats::Stats;

/// One delivery, ready to send.
#[derive(Debug, Default)]
pub struct Prepared {
    /// The `_bulk` body.
    pub batch: Batch,
    /// What was counted.
    pub stats: Stats,
}

/// The pipeline of one process.
#[derive(Debug)]
pub struct Pipeline {
    config: Config,
    joiner: Mutex<TraceJoiner>,
}

impl Pipeline {
    /// A pipeline with a fresh join memory.
    pub fn new(config: Config) -> Pipeline {
        let joiner = Mutex::new(TraceJoiner::new(config.join_capacity));
        Pipeline { config, joiner }
    }

    /// Forgets the join memory: the next delivery is joined as the first
    /// one of a fresh process. Cheaper than a new pipeline, whose compiled
    /// markers would start with cold matching caches (the fuzz targets reset
    /// one pipeline between inputs).
    pub fn forget_joins(&self) {
        let mut joiner = self
            .joiner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *joiner = TraceJoiner::new(self.config.join_capacity);
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Decodes a Lambda event `{"awslogs":{"data":…}}` and prepares it;
    /// the delivery borrows from the inflated JSON until it is rendered.
    pub fn prepare_event(&self, event: &[u8]) -> Result<Prepared, DecodeError> {
        let json = decode::inflate_event(event, self.config.limits)?;
        Ok(self.prepare(decode::parse_json(&json)?))
    }

    /// Parses, joins and renders one decoded delivery.
    pub fn prepare(&self, data: LogsData<'_>) -> Prepared {
        let mut stats = Stats {
            deliveries: 1,
            ..Stats::default()
        };
        if data.message_type == MessageType::Control {
            stats.control = 1;
            return Prepared {
                batch: Batch::default(),
                stats,
            };
        }
        let cfg = &self.config;
        stats.events = (data.events.len() + data.refused.len() + data.duplicates) as u64;
        stats.refused = data.refused.len() as u64;
        stats.duplicates = data.duplicates as u64;
        for r in &data.refused {
            stats
                .errors
                .push(format!("{} {}: {r}", data.log_group, data.log_stream));
        }
        let LogsData {
            owner,
            log_group,
            log_stream,
            events,
            ..
        } = data;
        let merged = if cfg.multiline_for(&log_group) {
            multiline::merge(events)
        } else {
            let n = events.len();
            multiline::Merged {
                events,
                merged_ids: vec![Vec::new(); n],
            }
        };
        stats.merged = merged.merged_ids.iter().map(|m| m.len() as u64).sum();

        let mut lines: Vec<Line<'_>> = merged
            .events
            .iter()
            .map(|e| parse::parse(&e.message, &log_group, &cfg.rules))
            .collect();

        let namer = IndexNamer::new(&cfg.render, &log_group);
        let outcome = {
            let mut joiner = self
                .joiner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Parked lines mostly share a day too: name its index once.
            let mut day_index: Option<(i64, String)> = None;
            joiner.join(&mut lines, |i| {
                let e = &merged.events[i];
                let day = e.timestamp.div_euclid(86_400_000);
                let index = match &day_index {
                    Some((d, name)) if *d == day => name.clone(),
                    _ => day_index.insert((day, namer.name(e.timestamp))).1.clone(),
                };
                DocRef {
                    index,
                    id: e.id.to_string(),
                }
            })
        };

        let origin = Origin::new(&owner, &log_group, &log_stream);
        // Sized once for the whole delivery rather than regrown (each
        // regrowth copies the body so far): the action line repeats the id
        // and each document the origin fields.
        let per_doc = 2 * log_group.len() + log_stream.len() + owner.len() + 64;
        let bytes: usize = merged
            .events
            .iter()
            .zip(&lines)
            .map(|(e, line)| e.id.len() + per_doc + render::document_len_hint(e, line))
            .sum();
        let mut batch = Batch::with_capacity(bytes + outcome.updates.len() * 256);
        batch.items.reserve(merged.events.len() + outcome.updates.len());
        let mut index = String::new();
        for u in &outcome.updates {
            batch.push(Action::Update, &u.doc.index, &u.doc.id, true, |out| {
                out.extend_from_slice(b"{\"doc\":{");
                render::write_json_str(out, fields::XRAY_TRACE_ID);
                out.push(b':');
                render::write_json_str(out, &u.trace.xray());
                out.push(b',');
                render::write_json_str(out, fields::TRACE_ID);
                out.push(b':');
                render::write_json_str(out, &u.trace.hex());
                out.push(b',');
                render::write_json_str(out, fields::TRACE_SOURCE);
                out.push(b':');
                render::write_json_str(out, TraceSource::Request.as_str());
                out.extend_from_slice(b"}}");
            });
        }
        let mut index_day = None;
        for ((event, line), merged_ids) in merged.events.iter().zip(&lines).zip(&merged.merged_ids) {
            // Events of a delivery mostly share a day: name its index once.
            let day = event.timestamp.div_euclid(86_400_000);
            if index_day != Some(day) {
                index_day = Some(day);
                index = namer.name(event.timestamp);
            }
            batch.push(Action::Index, &index, &event.id, cfg.render.send_ids, |out| {
                render::write_document(
                    out,
                    &origin,
                    event,
                    line,
                    merged_ids,
                    &cfg.rules.markers,
                    cfg.render.json_mode,
                );
            });
        }
        stats.documents = merged.events.len() as u64;
        stats.updates = outcome.updates.len() as u64;
        let messages: Vec<&str> = merged.events.iter().map(|e| &*e.message).collect();
        stats.record_lines(&log_group, &messages, &lines, &cfg.rules.markers);
        Prepared { batch, stats }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn delivery(id: &str, message: &str) -> LogsData<'static> {
        let json = format!(
            r#"{{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"/aws/lambda/f","logStream":"s","subscriptionFilters":[],"logEvents":[{{"id":"{id}","timestamp":1732541400000,"message":{}}}]}}"#,
            serde_json::to_string(message).unwrap()
        );
        decode::parse_json(json.as_bytes()).unwrap().into_owned()
    }

    #[test]
    fn forgotten_joins_give_no_late_updates() {
        let req = "c0ffee00-1234-4abc-9def-0123456789ab";
        let start = delivery("1", &format!("START RequestId: {req} Version: $LATEST\n"));
        let report = delivery(
            "2",
            &format!(
                "REPORT RequestId: {req}\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t\nXRAY TraceId: 1-5759e988-bd862e3fe1be46a994272793\tSegmentId: 53995c3f42cd8ad8\tSampled: true\n"
            ),
        );
        let pipeline = Pipeline::new(Config::from_settings(&Settings::default()).unwrap());
        pipeline.prepare(start.clone());
        assert_eq!(pipeline.prepare(report.clone()).stats.updates, 1);

        pipeline.prepare(start);
        pipeline.forget_joins();
        assert_eq!(pipeline.prepare(report).stats.updates, 0);
    }
}
