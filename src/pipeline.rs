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
        let delivery = self.merge(data);
        let mut joined = self.join(&delivery);
        let batch = joined.next_batch(usize::MAX).unwrap_or_default();
        Prepared {
            batch,
            stats: joined.stats,
        }
    }

    /// The first step of [`Pipeline::prepare`], for callers that send a
    /// large delivery in parts ([`Joined::next_batch`]): the delivery's
    /// events after the multi-line merge, and what is counted of them.
    pub fn merge<'a>(&self, data: LogsData<'a>) -> Delivery<'a> {
        let mut stats = Stats {
            deliveries: 1,
            ..Stats::default()
        };
        let LogsData {
            message_type,
            owner,
            log_group,
            log_stream,
            events,
            refused,
            duplicates,
            ..
        } = data;
        let control = message_type == MessageType::Control;
        let merged = if control {
            stats.control = 1;
            multiline::Merged {
                events: Vec::new(),
                merged_ids: Vec::new(),
            }
        } else {
            stats.events = (events.len() + refused.len() + duplicates) as u64;
            stats.refused = refused.len() as u64;
            stats.duplicates = duplicates as u64;
            for r in &refused {
                stats.errors.push(format!("{log_group} {log_stream}: {r}"));
            }
            if self.config.multiline_for(&log_group) {
                multiline::merge(events)
            } else {
                // No merge, no merged ids: none to make or drop per event.
                multiline::Merged {
                    events,
                    merged_ids: Vec::new(),
                }
            }
        };
        stats.merged = merged.merged_ids.iter().map(|m| m.len() as u64).sum();
        Delivery {
            origin: Origin::new(&owner, &log_group, &log_stream),
            namer: IndexNamer::new(&self.config.render, &log_group),
            log_group,
            merged,
            stats,
        }
    }

    /// The second step: every line parsed, and joined to its request's
    /// trace (this delivery's and earlier ones'), ready to render.
    pub fn join<'d>(&'d self, delivery: &'d Delivery<'d>) -> Joined<'d> {
        let cfg = &self.config;
        let events = &delivery.merged.events;
        let group = parse::Group::new(&delivery.log_group);
        let mut lines: Vec<Line<'d>> = events
            .iter()
            .map(|e| parse::parse_in(&e.message, group, &cfg.rules))
            .collect();
        let outcome = {
            let mut joiner = self
                .joiner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Parked lines mostly share a day too: name its index once.
            let mut day_index: Option<(i64, String)> = None;
            joiner.join(&mut lines, |i| {
                let e = &events[i];
                let day = e.timestamp.div_euclid(86_400_000);
                let index = match &day_index {
                    Some((d, name)) if *d == day => name.clone(),
                    _ => day_index
                        .insert((day, delivery.namer.name(e.timestamp)))
                        .1
                        .clone(),
                };
                DocRef {
                    index,
                    id: e.id.to_string(),
                }
            })
        };
        let mut stats = delivery.stats.clone();
        stats.documents = events.len() as u64;
        stats.updates = outcome.updates.len() as u64;
        if stats.control == 0 {
            let messages: Vec<&str> = events.iter().map(|e| &*e.message).collect();
            stats.record_lines(&delivery.log_group, &messages, &lines, &cfg.rules.markers);
        }
        Joined {
            delivery,
            lines,
            updates: outcome.updates,
            next: 0,
            stats,
            config: cfg,
        }
    }
}

/// A delivery after the multi-line merge ([`Pipeline::merge`]).
#[derive(Debug)]
pub struct Delivery<'a> {
    log_group: String,
    origin: Origin,
    namer: IndexNamer,
    merged: multiline::Merged<'a>,
    stats: Stats,
}

/// A delivery parsed and joined ([`Pipeline::join`]): its documents, in
/// batches.
#[derive(Debug)]
pub struct Joined<'d> {
    delivery: &'d Delivery<'d>,
    lines: Vec<Line<'d>>,
    updates: Vec<crate::join::TraceUpdate>,
    /// The next event to render.
    next: usize,
    /// What was counted: the same whatever the batches.
    pub stats: Stats,
    config: &'d Config,
}

impl Joined<'_> {
    /// The next batch of the delivery's items, in order: the late trace
    /// updates for earlier deliveries first, then one document per event,
    /// stopping at the first document that ends past `max_bytes` of body.
    /// `None` when all have been rendered. With `usize::MAX`, all of them
    /// in one batch, sized once.
    pub fn next_batch(&mut self, max_bytes: usize) -> Option<Batch> {
        let delivery = self.delivery;
        let events = &delivery.merged.events;
        if self.next >= events.len() && self.updates.is_empty() {
            return None;
        }
        let updates = std::mem::take(&mut self.updates);
        // Sized once rather than regrown (each regrowth copies the body so
        // far): the action line repeats the id, each document the origin.
        let per_doc = delivery.log_group.len() + delivery.origin.len() + 32;
        let mut bytes = updates.len() * 256;
        let mut names = 0;
        let mut end = self.next;
        for (e, line) in events[self.next..].iter().zip(&self.lines[self.next..]) {
            if end > self.next && bytes >= max_bytes {
                break;
            }
            bytes += e.id.len() + per_doc + render::document_len_hint(e, line);
            names += e.id.len();
            end += 1;
        }
        let mut batch = Batch::with_capacity(bytes.min(max_bytes.saturating_add(1 << 16)));
        batch.items.reserve(end - self.next + updates.len());
        // Ids, and an index name per run of one day (a few per batch).
        let updates_names: usize = updates.iter().map(|u| u.doc.id.len() + u.doc.index.len()).sum();
        batch.reserve_names(names + updates_names + 64);
        for u in &updates {
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
        let mut index = String::new();
        let mut index_day = None;
        let merged_ids = &delivery.merged.merged_ids;
        let range = self.next..end;
        for (i, (event, line)) in range
            .clone()
            .zip(events[range.clone()].iter().zip(&self.lines[range]))
        {
            // Events of a delivery mostly share a day: name its index once.
            let day = event.timestamp.div_euclid(86_400_000);
            if index_day != Some(day) {
                index_day = Some(day);
                index = delivery.namer.name(event.timestamp);
            }
            let doc = render::Doc {
                origin: &delivery.origin,
                event,
                line,
                merged_ids: merged_ids.get(i).map_or(&[], Vec::as_slice),
                markers: &self.config.rules.markers,
                json_mode: self.config.render.json_mode,
            };
            batch.push_with_id(
                Action::Index,
                &index,
                &event.id,
                self.config.render.send_ids,
                |out, escaped_id| render::write_doc(out, escaped_id, &doc),
            );
        }
        self.next = end;
        Some(batch)
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

    /// Many events of one stream: a Lambda's requests, START … REPORT.
    fn requests(n: usize) -> LogsData<'static> {
        let mut events = Vec::new();
        for i in 0..n {
            let req = format!("c0ffee00-1234-4abc-9def-{i:012x}");
            for (k, m) in [
                format!("START RequestId: {req} Version: $LATEST\n"),
                format!("[WARNING]\t2024-11-25T13:30:00.000Z\t{req}\tWARN: stress function activated\n"),
                format!(
                    "REPORT RequestId: {req}\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t\nXRAY TraceId: 1-5759e988-{i:024x}\tSegmentId: 53995c3f42cd8ad8\tSampled: true\n"
                ),
            ]
            .into_iter()
            .enumerate()
            {
                events.push(serde_json::json!({"id": format!("{}", 3 * i + k), "timestamp": 1_732_541_400_000i64 + i as i64, "message": m}));
            }
        }
        let json = serde_json::json!({"messageType":"DATA_MESSAGE","owner":"1","logGroup":"/aws/lambda/f","logStream":"s","subscriptionFilters":[],"logEvents":events});
        decode::parse_json(json.to_string().as_bytes())
            .unwrap()
            .into_owned()
    }

    #[test]
    fn a_delivery_in_parts_is_the_same_body_as_in_one() {
        let config = Config::from_settings(&Settings::default()).unwrap();
        let data = requests(200);
        let whole = Pipeline::new(config.clone()).prepare(data.clone());
        for max in [0, 1, 700, 4096, 50_000] {
            let pipeline = Pipeline::new(config.clone());
            let delivery = pipeline.merge(data.clone());
            let mut joined = pipeline.join(&delivery);
            let (mut body, mut items, mut parts) = (Vec::new(), 0, 0);
            while let Some(batch) = joined.next_batch(max) {
                assert!(!batch.is_empty());
                // A part stops at the first document past `max`.
                let last = batch.items.last().unwrap();
                assert!(last.span.start <= max.max(1) || batch.items.len() == 1, "{max}");
                body.extend_from_slice(&batch.body);
                items += batch.items.len();
                parts += 1;
            }
            assert_eq!(body, whole.batch.body, "max {max}");
            assert_eq!(items, whole.batch.items.len());
            assert_eq!(joined.stats, whole.stats);
            assert!(
                parts > 1 || max == 50_000 && whole.batch.body.len() <= 50_000 + 1000,
                "{max}: {parts}"
            );
        }
    }

    #[test]
    fn late_updates_come_first_in_the_first_part() {
        let config = Config::from_settings(&Settings::default()).unwrap();
        let req = "c0ffee00-1234-4abc-9def-0123456789ab";
        let pipeline = Pipeline::new(config);
        pipeline.prepare(delivery(
            "1",
            &format!("START RequestId: {req} Version: $LATEST\n"),
        ));
        let report = delivery(
            "2",
            &format!(
                "REPORT RequestId: {req}\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t\nXRAY TraceId: 1-5759e988-bd862e3fe1be46a994272793\tSegmentId: 53995c3f42cd8ad8\tSampled: true\n"
            ),
        );
        let delivery = pipeline.merge(report);
        let mut joined = pipeline.join(&delivery);
        let first = joined.next_batch(0).unwrap();
        let actions: Vec<Action> = first.items.iter().map(|i| i.action).collect();
        assert_eq!(actions, [Action::Update, Action::Index]);
        assert!(joined.next_batch(0).is_none());
    }
}
