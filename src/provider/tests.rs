//! What the registry promises of every provider on it: a provider added to the
//! registry without one of these fails here (its generated pages are held to the
//! canonical records in `gen/pages_tests.rs`, over the same registry).

use super::*;

/// Every provider fixture file, with the provider whose directory holds it.
pub(crate) fn fixtures() -> Vec<(std::path::PathBuf, Provider)> {
    let root: std::path::PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests/fixtures/providers"]
        .iter()
        .collect();
    let mut out = Vec::new();
    for p in Provider::ALL {
        let mut files: Vec<_> = std::fs::read_dir(root.join(p.name()))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|f| f.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        out.extend(files.into_iter().map(|f| (f, p)));
    }
    assert_eq!(out.len(), 12);
    out
}

#[test]
fn every_provider_has_a_name_that_parses_back() {
    let names: Vec<&str> = Provider::ALL.iter().map(|p| p.name()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted, "the registry is in name order, names unique");
    for p in Provider::ALL {
        let name = p.name();
        assert!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{name}: lower-case ASCII"
        );
        assert_eq!(name.parse::<Provider>(), Ok(p));
        assert_eq!(name.to_uppercase().parse::<Provider>(), Ok(p));
        assert_eq!(p.to_string(), name);
        let title = p.title();
        assert!(
            title.len() > 8 && !title.contains('\n') && title.ends_with('.'),
            "{name}: one line of help, {title:?}"
        );
        assert!(UnknownProvider("x".into()).to_string().contains(name));
        assert!(DetectError::Unknown {
            found: String::new()
        }
        .to_string()
        .contains(name));
    }
}

#[test]
fn every_unstated_column_is_one_that_may_be_unknown() {
    use crate::columns::{col, COLUMNS};
    for p in Provider::ALL {
        let unstated = p.unstated();
        for (i, name) in unstated.iter().enumerate() {
            let c = COLUMNS
                .iter()
                .position(|c| c == name)
                .unwrap_or_else(|| panic!("{p}: `{name}` is no canonical column"));
            assert!(
                col::MAY_BE_UNKNOWN >> c & 1 == 1,
                "{p}: `{name}` is never unknown"
            );
            assert!(!unstated[..i].contains(name), "{p}: `{name}` twice");
        }
    }
}

#[test]
fn every_cabin_has_a_code_and_every_code_a_cabin() {
    use crate::record::Cabin;
    for p in Provider::ALL {
        let cabins = p.cabins();
        for (i, (code, cabin)) in cabins.codes.iter().enumerate() {
            assert!(
                !cabins.codes[..i].iter().any(|(c, _)| c == code),
                "{p}: `{code}` twice"
            );
            assert_eq!(cabins.parse(What::Segment(1), code), Ok(*cabin), "{p}");
        }
        for cabin in Cabin::ALL {
            let code = cabins.code(cabin);
            assert_eq!(cabins.parse(What::Segment(1), code), Ok(cabin), "{p}");
        }
        let e = cabins.parse(What::Segment(2), "?").unwrap_err();
        assert_eq!((e.field, e.reason), (Some("cabin"), "enum"), "{p}");
        assert!(e.message.starts_with("segment 2: expected "), "{p}: {e}");
        assert!(e.message.contains(cabins.codes[0].0), "{p}: {e}");
    }
}

/// A document made of exactly the members `paths` names (see `format::Marker`).
fn document_of(paths: &str) -> serde_json::Value {
    use serde_json::{json, Value};
    let mut doc = json!({});
    for path in paths.split(" & ") {
        let (route, test) = match path.split_once(" = ") {
            Some((route, test)) => (route, Some(test)),
            None => (path, None),
        };
        let mut at = &mut doc;
        let steps: Vec<&str> = route.split('.').collect();
        for (i, step) in steps.iter().enumerate() {
            let (name, first) = match step.strip_suffix("[0]") {
                Some(name) => (name, true),
                None => (*step, false),
            };
            let last = i + 1 == steps.len() && !first;
            let leaf = match test {
                _ if !last => json!({}),
                None => json!(1),
                Some("[]") => json!([]),
                Some(text) => json!(text),
            };
            at = at.as_object_mut().unwrap().entry(name).or_insert(leaf);
            if first {
                if !at.is_array() {
                    *at = json!([{}]);
                }
                at = &mut at[0];
                if i + 1 == steps.len() {
                    *at = Value::from(1);
                }
            }
        }
    }
    doc
}

#[test]
fn every_marker_alone_tells_its_provider_and_no_other() {
    use super::format::Confidence;
    for p in Provider::ALL {
        let markers = p.markers();
        assert!(
            markers.iter().any(|m| m.confidence == Confidence::Sure),
            "{p}: no sure marker"
        );
        for m in markers {
            let doc = document_of(m.paths).to_string();
            let want = match m.confidence {
                Confidence::Sure => Ok(p),
                Confidence::Shared => Err(DetectError::NoOffers),
            };
            assert_eq!(detect(doc.as_bytes()), want, "{p}: `{}` as {doc}", m.paths);
        }
    }
    assert_eq!(
        document_of("data[0].type = a & data[0].b & meta.c & e = []").to_string(),
        r#"{"data":[{"b":1,"type":"a"}],"e":[],"meta":{"c":1}}"#
    );
}

#[test]
fn every_provider_has_fixtures_detected_as_its_own() {
    let mut seen = Vec::new();
    for (path, p) in fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(detect(&bytes), Ok(p), "{}", path.display());
        assert!(
            !decode_all(p, &bytes).unwrap().is_empty(),
            "{}",
            path.display()
        );
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    assert_eq!(seen, Provider::ALL, "every provider has fixtures");
}

#[test]
fn common_error_bodies_are_claimed_by_their_signs_only() {
    use super::error_body::ErrorSigns;
    let none = ErrorSigns::default();
    for p in Provider::ALL {
        assert!(
            !p.claims_error(&none),
            "{p} claims a body that shows no signs"
        );
    }
}
