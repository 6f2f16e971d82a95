//! Millisecond epoch timestamps to the two forms the contract uses: the ISO
//! 8601 `@timestamp` and the `YYYY.MM.DD` of index names, both in UTC.
//!
//! Hand-written (Howard Hinnant's `civil_from_days`) because it is on the
//! hot path for every event and needs no time-zone database.

/// The first millisecond of year 1970.
pub const MIN_TIMESTAMP_MS: i64 = 0;
/// The last millisecond of year 9999 (9999-12-31T23:59:59.999Z).
pub const MAX_TIMESTAMP_MS: i64 = 253_402_300_799_999;

/// A UTC calendar date and time of day, from a millisecond timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utc {
    /// Year, 1970..=9999 for timestamps the contract accepts.
    pub year: i64,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of month, 1..=31.
    pub day: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute, 0..=59.
    pub minute: u32,
    /// Second, 0..=59.
    pub second: u32,
    /// Millisecond, 0..=999.
    pub milli: u32,
}

impl Utc {
    /// Splits a millisecond epoch timestamp (any sign) into its UTC parts.
    pub fn from_millis(ms: i64) -> Utc {
        let days = ms.div_euclid(86_400_000);
        let rem = ms.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        let secs = rem / 1000;
        Utc {
            year,
            month,
            day,
            hour: (secs / 3600) as u32,
            minute: (secs / 60 % 60) as u32,
            second: (secs % 60) as u32,
            milli: (rem % 1000) as u32,
        }
    }

    /// Writes `2018-11-29T01:59:49.000Z`.
    pub fn write_iso(&self, out: &mut Vec<u8>) {
        push_num(out, self.year as u32, 4);
        out.push(b'-');
        push_num(out, self.month, 2);
        out.push(b'-');
        push_num(out, self.day, 2);
        out.push(b'T');
        push_num(out, self.hour, 2);
        out.push(b':');
        push_num(out, self.minute, 2);
        out.push(b':');
        push_num(out, self.second, 2);
        out.push(b'.');
        push_num(out, self.milli, 3);
        out.push(b'Z');
    }

    /// Writes `2018.11.29`, the date part of an index name.
    pub fn write_index_date(&self, out: &mut Vec<u8>) {
        push_num(out, self.year as u32, 4);
        out.push(b'.');
        push_num(out, self.month, 2);
        out.push(b'.');
        push_num(out, self.day, 2);
    }

    /// `2018-11-29T01:59:49.000Z` as a `String`.
    pub fn iso_string(&self) -> String {
        let mut v = Vec::with_capacity(24);
        self.write_iso(&mut v);
        String::from_utf8_lossy(&v).into_owned()
    }
}

/// Days since 1970-01-01 from a civil date (proleptic Gregorian).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn push_num(out: &mut Vec<u8>, n: u32, width: usize) {
    let d = |v: u32| b'0' + (v % 10) as u8;
    match width {
        2 => out.extend_from_slice(&[d(n / 10), d(n)]),
        3 => out.extend_from_slice(&[d(n / 100), d(n / 10), d(n)]),
        _ => out.extend_from_slice(&[d(n / 1000), d(n / 100), d(n / 10), d(n)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_console_function_example() {
        let t = Utc::from_millis(1_543_456_789_000);
        assert_eq!(t.iso_string(), "2018-11-29T01:59:49.000Z");
        let mut d = Vec::new();
        t.write_index_date(&mut d);
        assert_eq!(d, b"2018.11.29");
    }

    #[test]
    fn bounds_are_the_first_and_last_millisecond_of_the_allowed_years() {
        assert_eq!(
            Utc::from_millis(MIN_TIMESTAMP_MS).iso_string(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            Utc::from_millis(MAX_TIMESTAMP_MS).iso_string(),
            "9999-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn utc_midnight_changes_the_day() {
        let before = Utc::from_millis(1_732_579_199_999);
        let after = Utc::from_millis(1_732_579_200_000);
        assert_eq!(before.iso_string(), "2024-11-25T23:59:59.999Z");
        assert_eq!(after.iso_string(), "2024-11-26T00:00:00.000Z");
    }

    #[test]
    fn days_round_trip_across_leap_years() {
        for days in [-1, 0, 59, 60, 365, 11_016, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
    }
}
