//! The table of records a provider's page shows, pasted as it comes: tabs, runs of spaces, one cell
//! per line, with or without a header row. SendGrid shows *type, host, value*; Postmark shows
//! *hostname, type, value*. The column order comes from the header when there is one, else from where
//! the record type sits.

/// Why a pasted table could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("no DNS record (a CNAME, TXT or MX row) was found in the pasted text")]
    Empty,
    #[error("the row for {0:?} has no value")]
    MissingValue(String),
}

/// The record types a provider's table holds.
const TYPES: &[&str] = &["CNAME", "TXT", "MX", "A", "AAAA"];
const HEADER_WORDS: &[&str] = &[
    "type",
    "record type",
    "host",
    "hostname",
    "name",
    "host name",
    "value",
    "data",
    "points to",
    "content",
    "target",
    "ttl",
    "status",
    "priority",
];

/// One record the provider asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastedRecord {
    /// Upper-case type (`CNAME`, `TXT`, …).
    pub rtype: String,
    /// Fully qualified host, lower-case, no trailing dot.
    pub host: String,
    /// The value as shown, quotes and trailing dot removed.
    pub value: String,
}

fn is_type(cell: &str) -> bool {
    TYPES.iter().any(|t| t.eq_ignore_ascii_case(cell.trim()))
}

fn is_header(cell: &str) -> bool {
    HEADER_WORDS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(cell.trim().trim_end_matches(':')))
}

/// Splits the text into cells: by tabs, by runs of two or more spaces, by line breaks; a line with
/// single spaces only is split when its first or second word is a record type (the value, which may
/// hold spaces, is the rest).
fn cells(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.contains('\t') || line.contains("  ") {
            let mut rest = line.replace('\t', "  ");
            while rest.contains("   ") {
                rest = rest.replace("   ", "  ");
            }
            out.extend(
                rest.split("  ")
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
            );
            continue;
        }
        let words: Vec<&str> = line.split(' ').collect();
        let at = words.iter().take(2).position(|w| is_type(w));
        match at {
            // `TYPE HOST VALUE…` or `HOST TYPE VALUE…`: two cells, then the value.
            Some(_) if words.len() >= 3 => {
                out.extend(words[..2].iter().map(|w| (*w).to_owned()));
                out.push(words[2..].join(" "));
            }
            _ => out.push(line.to_owned()),
        }
    }
    out
}

/// Normalises a host from the table into a fully qualified name under `domain`. A provider that
/// authenticates a subdomain may show its hosts relative to the zone of the organizational domain
/// (Resend shows `send.updates` for `updates.example.com`): a host that ends with the subdomain's
/// own labels is completed with the organizational domain, not with the subdomain a second time.
pub fn qualify(host: &str, domain: &str) -> String {
    // A host shown in Unicode (`em1234.bücher.example`) is the name DNS carries as A-labels, as
    // the domain is: compared and looked up in that form.
    let a_labels = |name: &str| {
        crate::names::to_a_labels(name)
            .unwrap_or_else(|_| name.trim().trim_end_matches('.').to_ascii_lowercase())
    };
    let h = a_labels(host);
    let d = a_labels(domain);
    if h.is_empty() || h == "@" {
        return d;
    }
    if h == d || h.ends_with(&format!(".{d}")) {
        return h;
    }
    let org = super::names::organizational_domain(&d);
    if let Some(sub) = d.strip_suffix(&format!(".{org}")) {
        if h == sub || h.ends_with(&format!(".{sub}")) {
            return format!("{h}.{org}");
        }
    }
    format!("{h}.{d}")
}

/// Removes what DNS ignores or what a web page adds: surrounding quotes, a trailing dot on a name.
pub fn clean_value(rtype: &str, value: &str) -> String {
    let v = value.trim();
    let v = if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        // `"part1" "part2"`: a TXT value shown as its character-strings.
        v[1..v.len() - 1].split("\" \"").collect::<String>()
    } else {
        v.to_owned()
    };
    if rtype.eq_ignore_ascii_case("TXT") {
        v
    } else {
        v.trim_end_matches('.').to_ascii_lowercase()
    }
}

/// Reads a pasted table for `domain`.
pub fn parse(text: &str, domain: &str) -> Result<Vec<PastedRecord>, TableError> {
    let cells = cells(text);
    // Column order from the header: whichever of "type" / "host" comes first.
    let type_pos = cells
        .iter()
        .position(|c| c.eq_ignore_ascii_case("type") || c.eq_ignore_ascii_case("record type"));
    let host_pos = cells.iter().position(|c| {
        ["host", "hostname", "name", "host name"]
            .iter()
            .any(|h| h.eq_ignore_ascii_case(c.trim_end_matches(':')))
    });
    let header_type_first = match (type_pos, host_pos) {
        (Some(t), Some(h)) => Some(t < h),
        _ => None,
    };
    let data: Vec<&String> = cells.iter().filter(|c| !is_header(c)).collect();
    let mut records = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let type_first = header_type_first.unwrap_or_else(|| is_type(data[i]));
        let (t, h) = if type_first { (i, i + 1) } else { (i + 1, i) };
        let (Some(rtype), Some(host)) = (data.get(t), data.get(h)) else {
            break;
        };
        if !is_type(rtype) {
            // Not a record row (a note, a status word): skip one cell.
            i += 1;
            continue;
        }
        let value = data
            .get(i + 2)
            .ok_or_else(|| TableError::MissingValue(host.to_string()))?;
        let rtype = rtype.trim().to_ascii_uppercase();
        records.push(PastedRecord {
            host: qualify(host, domain),
            value: clean_value(&rtype, value),
            rtype,
        });
        i += 3;
        // Skip trailing cells of the row (status, TTL) until the next row starts.
        while i < data.len() {
            let next_type_first = header_type_first.unwrap_or_else(|| is_type(data[i]));
            let starts_row = if next_type_first {
                is_type(data[i])
            } else {
                data.get(i + 1).is_some_and(|c| is_type(c))
            };
            if starts_row {
                break;
            }
            i += 1;
        }
    }
    if records.is_empty() {
        return Err(TableError::Empty);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_sendgrids_table_with_tabs_and_a_header() {
        let text = "TYPE\tHOST\tVALUE\n\
            CNAME\tem1234.example.com\tu1234.wl.sendgrid.net\n\
            CNAME\ts1._domainkey.example.com\ts1.domainkey.u1234.wl.sendgrid.net\n\
            CNAME\ts2._domainkey.example.com\ts2.domainkey.u1234.wl.sendgrid.net.\n";
        let r = parse(text, "example.com").expect("parses");
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].host, "em1234.example.com");
        assert_eq!(r[2].value, "s2.domainkey.u1234.wl.sendgrid.net");
        assert!(r.iter().all(|x| x.rtype == "CNAME"));
    }

    #[test]
    fn reads_postmarks_table_one_cell_per_line_host_first() {
        let text = "Hostname\nType\nValue\n\
            20240101pm._domainkey\nTXT\nk=rsa;p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC\n\
            pm-bounces\nCNAME\npm.mtasv.net\n";
        let r = parse(text, "example.com").expect("parses");
        assert_eq!(
            r,
            vec![
                PastedRecord {
                    rtype: "TXT".into(),
                    host: "20240101pm._domainkey.example.com".into(),
                    value: "k=rsa;p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC".into()
                },
                PastedRecord {
                    rtype: "CNAME".into(),
                    host: "pm-bounces.example.com".into(),
                    value: "pm.mtasv.net".into()
                },
            ]
        );
    }

    #[test]
    fn reads_rows_with_single_spaces_and_a_txt_value_with_spaces() {
        let text = "TXT example.com \"v=spf1 include:sendgrid.net ~all\"\nCNAME s1._domainkey s1.domainkey.u1.wl.sendgrid.net";
        let r = parse(text, "example.com").expect("parses");
        assert_eq!(r[0].host, "example.com");
        assert_eq!(r[0].value, "v=spf1 include:sendgrid.net ~all");
        assert_eq!(r[1].host, "s1._domainkey.example.com");
    }

    #[test]
    fn skips_status_columns() {
        let text = "Type  Host  Value  Status\nCNAME  em1.example.com  u1.wl.sendgrid.net  Verified\nCNAME  s1._domainkey.example.com  s1.x.sendgrid.net  Pending\n";
        let r = parse(text, "example.com").expect("parses");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].value, "s1.x.sendgrid.net");
    }

    #[test]
    fn hosts_relative_to_the_organizational_zone_are_not_doubled() {
        let d = "updates.example.com";
        assert_eq!(qualify("send.updates", d), "send.updates.example.com");
        assert_eq!(
            qualify("resend._domainkey.updates", d),
            "resend._domainkey.updates.example.com"
        );
        assert_eq!(qualify("send", d), "send.updates.example.com");
        assert_eq!(qualify("updates", d), "updates.example.com");
        assert_eq!(
            qualify("send.updates.example.com.", d),
            "send.updates.example.com"
        );
        assert_eq!(qualify("@", "example.com"), "example.com");
        // Unicode hosts (a dashboard showing the domain as typed) are the A-label names.
        assert_eq!(
            qualify("em1234.bücher.example", "xn--bcher-kva.example"),
            "em1234.xn--bcher-kva.example"
        );
        assert_eq!(
            qualify("s1._domainkey.bücher.example", "bücher.example"),
            "s1._domainkey.xn--bcher-kva.example"
        );
        assert_eq!(qualify("em1234", "example.com"), "em1234.example.com");
    }

    #[test]
    fn nothing_recognisable_is_an_error() {
        assert_eq!(parse("hello\nworld", "example.com"), Err(TableError::Empty));
        assert_eq!(parse("", "example.com"), Err(TableError::Empty));
    }

    #[test]
    fn quoted_split_txt_values_are_joined() {
        assert_eq!(
            clean_value("TXT", "\"v=DKIM1; p=AB\" \"CD\""),
            "v=DKIM1; p=ABCD"
        );
        assert_eq!(clean_value("CNAME", "PM.MTASV.NET."), "pm.mtasv.net");
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "[ -~\t\n]{0,300}") {
            let _ = parse(&s, "example.com");
        }
    }
}
