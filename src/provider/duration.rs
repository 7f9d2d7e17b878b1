//! Stated durations in every provider form, as seconds.
//!
//! | provider | form | example |
//! |---|---|---|
//! | Amadeus | ISO 8601 | `PT15H55M`, `PT1H`, `PT9H`, `P1DT2H` |
//! | Duffel | ISO 8601, zero-padded, with days, or `null` | `PT02H26M`, `P1DT22H30M` |
//! | Kiwi | integer seconds | `84600` |
//! | Sabre | integer minutes | `225` |
//!
//! A stated duration is only ever compared with the clock (arrival − departure in
//! absolute time); the canonical `duration_min` is always the clock's value.

/// Parses an ISO 8601 duration with day and time parts (`PnDTnHnMnS`, also `PnW`)
/// into seconds. Years and months are refused: their length depends on the calendar.
/// Fractional seconds are truncated.
pub fn parse_iso8601(text: &str) -> Result<i64, &'static str> {
    const EXPECT: &str = "expected an ISO 8601 duration like PT2H5M or P1DT22H30M";
    let b = text.as_bytes();
    let Some(rest) = b.strip_prefix(b"P") else {
        return Err(EXPECT);
    };
    let mut total: i64 = 0;
    let mut in_time = false;
    let mut any = false;
    let mut i = 0;
    // Units in the order they must appear, so `PT5M2H` is refused.
    let mut last_rank = 0u8;
    while i < rest.len() {
        if rest[i] == b'T' {
            if in_time {
                return Err(EXPECT);
            }
            in_time = true;
            i += 1;
            // `PT` must be followed by at least one component.
            if i == rest.len() {
                return Err(EXPECT);
            }
            continue;
        }
        let start = i;
        while i < rest.len() && rest[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i - start > 9 {
            return Err(EXPECT);
        }
        let n: i64 = std::str::from_utf8(&rest[start..i])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or(EXPECT)?;
        // Optional fraction, seconds only.
        let mut fraction = false;
        if i < rest.len() && matches!(rest[i], b'.' | b',') {
            let f = i + 1;
            i = f;
            while i < rest.len() && rest[i].is_ascii_digit() {
                i += 1;
            }
            if i == f {
                return Err(EXPECT);
            }
            fraction = true;
        }
        let Some(&unit) = rest.get(i) else {
            return Err(EXPECT);
        };
        i += 1;
        let (rank, secs) = match (in_time, unit) {
            (false, b'Y') | (false, b'M') => {
                return Err("durations in years or months have no fixed length")
            }
            (false, b'W') => (1, 7 * 86_400),
            (false, b'D') => (2, 86_400),
            (true, b'H') => (3, 3_600),
            (true, b'M') => (4, 60),
            (true, b'S') => (5, 1),
            _ => return Err(EXPECT),
        };
        if rank <= last_rank || (fraction && unit != b'S') {
            return Err(EXPECT);
        }
        last_rank = rank;
        total = total.checked_add(n * secs).ok_or(EXPECT)?;
        any = true;
    }
    if !any {
        return Err(EXPECT);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_forms() {
        let m = |s: &str| parse_iso8601(s).map(|v| v / 60);
        assert_eq!(m("PT2H5M"), Ok(125));
        assert_eq!(m("PT02H26M"), Ok(146));
        assert_eq!(m("P1DT2H"), Ok(26 * 60));
        assert_eq!(m("P1DT22H30M"), Ok(2790));
        assert_eq!(m("PT1H"), Ok(60));
        assert_eq!(m("PT9H"), Ok(540));
        assert_eq!(m("PT45M"), Ok(45));
        assert_eq!(m("P2D"), Ok(2880));
        assert_eq!(m("P1W"), Ok(7 * 1440));
        assert_eq!(parse_iso8601("PT90S"), Ok(90));
        assert_eq!(parse_iso8601("PT1M30.5S"), Ok(90));
        assert_eq!(parse_iso8601("PT0S"), Ok(0));
    }

    #[test]
    fn refusals() {
        for bad in [
            "", "P", "PT", "T2H", "PT2", "PT2X", "PT5M2H", "P1M", "P1Y", "PT1.5H", "PT-1H", "P1DT",
            "pt2h", "PT2H5M ", "PTT1H", "PT1H1H",
        ] {
            assert!(parse_iso8601(bad).is_err(), "{bad:?}");
        }
    }
}
