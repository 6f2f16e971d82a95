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
        out.extend_from_slice(&self.iso_bytes());
    }

    /// Writes `ms` as `2018-11-29T01:59:49.000Z`, like
    /// `Utc::from_millis(ms).write_iso(out)`.
    pub fn write_iso_millis(ms: i64, out: &mut Vec<u8>) {
        out.extend_from_slice(&Utc::iso_millis(ms));
    }

    /// `ms` as `2018-11-29T01:59:49.000Z`, for writers that place it in a
    /// larger piece. The events of a delivery mostly share a day: the
    /// calendar date of the last day seen on this thread is kept, and only
    /// the time of day is new. The 24 bytes are made as three little-endian
    /// words (`2018-11-`, `29T01:59`, `:49.000Z`) so that the compiler keeps
    /// them in registers rather than moving them byte by byte.
    #[inline(always)]
    pub fn iso_millis(ms: i64) -> [u8; 24] {
        let (start, date, dd) = LAST_DAY.get();
        // Within the day kept (exact: a kept day lies within the contract's
        // years, far from where the subtraction could wrap): no division.
        let rem = (ms as u64).wrapping_sub(start as u64);
        if rem >= 86_400_000 {
            return Utc::iso_new_day(ms);
        }
        let rem = rem as u32;
        let secs = rem / 1000;
        let milli = rem % 1000;
        let pair = |n: u32| u64::from(u16::from_le_bytes(two_digits(n)));
        let middle = u64::from(dd)
            | u64::from(b'T') << 16
            | pair(secs / 3600) << 24
            | u64::from(b':') << 40
            | pair(secs / 60 % 60) << 48;
        let end = u64::from(b':')
            | pair(secs % 60) << 8
            | u64::from(b'.') << 24
            | u64::from(b'0' + (milli / 100) as u8) << 32
            | pair(milli % 100) << 40
            | u64::from(b'Z') << 56;
        let mut b = [0u8; 24];
        b[..8].copy_from_slice(&date.to_le_bytes());
        b[8..16].copy_from_slice(&middle.to_le_bytes());
        b[16..].copy_from_slice(&end.to_le_bytes());
        b
    }

    /// [`Utc::iso_millis`] of a day other than the one kept, which is kept
    /// instead when within the contract's years.
    #[cold]
    fn iso_new_day(ms: i64) -> [u8; 24] {
        let b = Utc::from_millis(ms).iso_bytes();
        if (MIN_TIMESTAMP_MS..=MAX_TIMESTAMP_MS).contains(&ms) {
            let mut date = [0u8; 8];
            date.copy_from_slice(&b[..8]);
            let start = ms - ms % 86_400_000;
            LAST_DAY.set((start, u64::from_le_bytes(date), u16::from_le_bytes([b[8], b[9]])));
        }
        b
    }

    /// `2018-11-29T01:59:49.000Z`, built in place and appended once.
    fn iso_bytes(&self) -> [u8; 24] {
        let mut b = *b"0000-00-00T00:00:00.000Z";
        digits(&mut b[0..4], self.year as u32);
        digits(&mut b[5..7], self.month);
        digits(&mut b[8..10], self.day);
        digits(&mut b[11..13], self.hour);
        digits(&mut b[14..16], self.minute);
        digits(&mut b[17..19], self.second);
        digits(&mut b[20..23], self.milli);
        b
    }

    /// Writes `2018.11.29`, the date part of an index name.
    pub fn write_index_date(&self, out: &mut Vec<u8>) {
        let mut b = *b"0000.00.00";
        digits(&mut b[0..4], self.year as u32);
        digits(&mut b[5..7], self.month);
        digits(&mut b[8..10], self.day);
        out.extend_from_slice(&b);
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

/// Writes the last `out.len()` decimal digits of `n`, zero-padded.
fn digits(out: &mut [u8], mut n: u32) {
    for d in out.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

thread_local! {
    /// The day [`Utc::iso_millis`] last wrote on this thread (1970-01-01 at
    /// first): its first millisecond, and the first eight and next two bytes
    /// of its ISO form (`2018-11-`, `29`).
    static LAST_DAY: std::cell::Cell<(i64, u64, u16)> = const {
        std::cell::Cell::new((0, u64::from_le_bytes(*b"1970-01-"), u16::from_le_bytes(*b"01")))
    };
}

/// The decimal digits of 0 to 99, two by two (`PAIRS[7] == *b"07"`): the
/// time of day and the document's integers are written from it.
pub(crate) static PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// `n` (below 100) as two digits, by table: the time of day of every event
/// is written with four of these instead of nine divisions.
#[inline(always)]
fn two_digits(n: u32) -> [u8; 2] {
    PAIRS.get(n as usize).copied().unwrap_or(*b"00")
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

    proptest::proptest! {
        #[test]
        fn writes_every_field_zero_padded(ms in MIN_TIMESTAMP_MS..=MAX_TIMESTAMP_MS) {
            let t = Utc::from_millis(ms);
            let expected = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                t.year, t.month, t.day, t.hour, t.minute, t.second, t.milli
            );
            proptest::prop_assert_eq!(t.iso_string(), expected);
            let mut d = Vec::new();
            t.write_index_date(&mut d);
            let date = format!("{:04}.{:02}.{:02}", t.year, t.month, t.day);
            proptest::prop_assert_eq!(d, date.into_bytes());
        }

        /// The per-second cache gives the same bytes as a fresh conversion,
        /// whatever came before it on the thread (same second, the next
        /// millisecond or second, a negative second, far away).
        #[test]
        fn cached_iso_is_the_fresh_iso(ms in MIN_TIMESTAMP_MS..=MAX_TIMESTAMP_MS, step in -2_000i64..2_000) {
            for t in [ms, ms, ms.saturating_add(step), ms.saturating_add(1), -ms, ms] {
                let mut cached = Vec::new();
                Utc::write_iso_millis(t, &mut cached);
                proptest::prop_assert_eq!(cached, Utc::from_millis(t).iso_string().into_bytes());
            }
        }
    }
}
