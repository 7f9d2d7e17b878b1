//! An installed binary documents itself: completions for every shell clap knows, man
//! pages for every command, `help where` for the filter language, and `--help`
//! examples that run as printed.

use clap::ValueEnum;

use crate::util::Workdir;

/// The commands, as `flightsift --help` lists them.
fn commands(wd: &Workdir) -> Vec<String> {
    let help = wd.stdout(&["--help"]);
    let list = help
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands section");
    list.lines()
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn completions_generate_for_every_shell() {
    let wd = Workdir::new();
    let shells = clap_complete::Shell::value_variants();
    assert!(shells.len() >= 5);
    for shell in shells {
        let name = shell.to_possible_value().unwrap().get_name().to_string();
        let script = wd.stdout(&["completions", &name]);
        for word in ["search", "where", "max-price", "completions"] {
            assert!(script.contains(word), "{name}: no {word}");
        }
    }
    wd.fails_with(2, &["completions", "tcsh"]);
}

#[test]
fn man_pages_generate_for_every_command() {
    let wd = Workdir::new();
    let page = wd.stdout(&["man"]);
    assert!(page.contains(".TH flightsift 1"), "{}", &page[..200]);
    for section in ["FILTER LANGUAGE", "FIELDS", "EXIT STATUS"] {
        assert!(
            page.contains(&format!(".SH \"{section}\""))
                || page.contains(&format!(".SH {section}")),
            "{section}"
        );
    }
    wd.stdout(&["man", "--dir", "pages"]);
    let commands = commands(&wd);
    assert!(commands.contains(&"search".to_string()), "{commands:?}");
    for name in std::iter::once("flightsift.1".to_string())
        .chain(commands.iter().map(|c| format!("flightsift-{c}.1")))
    {
        let page = wd.read(&format!("pages/{name}"));
        assert!(page.contains(".TH"), "{name}");
    }
}

#[test]
fn help_where_documents_the_language() {
    let wd = Workdir::new();
    let text = wd.stdout(&["help", "where"]);
    for f in flightsift::filter::Field::ALL {
        assert!(
            text.contains(&format!("\n  {} (", f.name())),
            "{}",
            f.name()
        );
    }
    for heading in ["EXAMPLES", "MEANING", "GRAMMAR", "FIELDS", "FLAGS"] {
        assert!(text.contains(&format!("\n{heading}")), "{heading}");
    }
    // clap's own topics still work.
    assert_eq!(
        wd.stdout(&["help", "search"]),
        wd.stdout(&["search", "--help"])
    );
    assert_eq!(wd.stdout(&["help"]), wd.stdout(&["--help"]));
    wd.fails_with(2, &["help", "nothing"]);
}

/// Every command's `--help` opens its notes with examples, and each one runs as
/// printed (with `flightsift` this binary, in a scratch directory holding the sample
/// dump as `data/sample.csv` and `dump.csv`, and `data/rates.csv`). An example that needs a program this
/// machine lacks (duckdb, man) is skipped, and said so.
#[test]
fn every_command_has_examples_that_run() {
    let wd = Workdir::new();
    std::fs::create_dir(wd.path("data")).unwrap();
    let sample = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample.csv")).unwrap();
    wd.create("data/sample.csv", &sample);
    let queries = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/queries.toml")).unwrap();
    wd.create("data/queries.toml", &queries);
    let rates = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/rates.csv")).unwrap();
    wd.create("data/rates.csv", &rates);
    wd.create("dump.csv", &sample);
    std::fs::create_dir(wd.path("dumps")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &sample).unwrap();
    wd.create("dumps/sample.csv.gz", gz.finish().unwrap());
    // Recorded provider pages, as `convert`'s examples read them.
    std::fs::create_dir_all(wd.path("recorded/amadeus")).unwrap();
    wd.stdout(&[
        "gen",
        "--format",
        "amadeus",
        "--rows",
        "300",
        "-o",
        "recorded/amadeus/p.json",
    ]);
    wd.stdout(&[
        "gen",
        "--format",
        "kiwi",
        "--rows",
        "300",
        "-o",
        "kiwi-pages.ndjson",
    ]);
    let kiwi = std::fs::read(wd.path("kiwi-pages.ndjson")).unwrap();
    wd.create(
        "kiwi-pages.ndjson.zst",
        zstd::encode_all(&kiwi[..], 3).unwrap(),
    );
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_flightsift"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for command in commands(&wd) {
        let help = wd.stdout(&[command.as_str(), "--help"]);
        let examples: Vec<&str> = help
            .split("Examples:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("`{command} --help` has no examples"))
            .lines()
            .take_while(|l| l.starts_with("  "))
            .map(str::trim)
            .collect();
        assert!(examples.len() >= 2, "{command}: {examples:?}");
        for example in examples {
            // A JVM start per example is too slow here; tests/sql_spark.rs runs the
            // printed scripts through Spark.
            if example.starts_with("spark-sql ") {
                eprintln!("covered by sql_spark: {example}");
                continue;
            }
            let missing: Vec<&str> = ["duckdb", "man"]
                .into_iter()
                .filter(|tool| example.contains(&format!("{tool} ")))
                .filter(|tool| {
                    !std::process::Command::new("sh")
                        .args(["-c", &format!("command -v {tool}")])
                        .stdout(std::process::Stdio::null())
                        .status()
                        .unwrap()
                        .success()
                })
                .collect();
            if !missing.is_empty() {
                eprintln!("skipped (no {missing:?}): {example}");
                continue;
            }
            // Redirections into ~ need their directories.
            for target in example.split("> ~/").skip(1) {
                let file = target.split_whitespace().next().unwrap();
                let parent = std::path::Path::new(file).parent().unwrap();
                std::fs::create_dir_all(wd.path(&parent.to_string_lossy())).unwrap();
            }
            let out = std::process::Command::new("bash")
                .args(["-o", "pipefail", "-c", example])
                .current_dir(wd.path("."))
                .env("PATH", &path)
                .env("HOME", wd.path("."))
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "example of `{command}` failed: {example}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 10, "only {ran} examples ran");
}

/// The language's reference on the filter page is what `help where` and the man page
/// print: generated from the parser's and compiler's tables.
#[test]
fn the_filter_page_holds_the_language_reference() {
    let blocks: Vec<(String, String)> = flightsift::filter::doc::markdown_blocks()
        .into_iter()
        .map(|(name, block)| (name.to_string(), block))
        .collect();
    assert!(blocks.len() >= 5, "{blocks:?}");
    crate::doc_blocks::check("docs/filters.md", &blocks);
}

/// The SQL page's column types are the ones `flightsift sql` writes.
#[test]
fn the_sql_page_lists_the_column_types() {
    crate::doc_blocks::check(
        "docs/sql.md",
        &[("columns".to_string(), flightsift::sql::columns_markdown())],
    );
}

/// Each provider's mapping table on the providers page is its module's own
/// documentation (from the table to the end of the module comment), so the two
/// cannot drift apart; a provider without a table there fails.
#[test]
fn the_provider_page_holds_each_modules_mapping_table() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut blocks = Vec::new();
    for provider in flightsift::provider::Provider::ALL {
        let name = provider.name();
        let file = format!("src/provider/{name}.rs");
        let source =
            std::fs::read_to_string(root.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let doc: Vec<&str> = source
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .map(|l| {
                l.strip_prefix("//! ")
                    .unwrap_or(l.trim_start_matches("//!"))
            })
            .skip_while(|l| !l.starts_with("| canonical |"))
            .collect();
        assert!(doc.len() > 5, "{file}: no mapping table in its module doc");
        blocks.push((
            format!("provider-{name}"),
            format!("{}\n", doc.join("\n").trim_end()),
        ));
    }
    crate::doc_blocks::check("docs/providers.md", &blocks);
}

/// The Markdown files of the front page and the guide (and the other folders' notes).
fn markdown_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    for dir in ["docs", "benches", "fuzz", "data"] {
        let mut found: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

/// A Markdown text with its fenced code blocks blanked out (line numbers kept): where
/// headings can be.
fn outside_fences(text: &str) -> String {
    let mut fence: Option<&str> = None;
    let lines: Vec<&str> = text
        .lines()
        .map(|line| {
            let t = line.trim_start();
            match fence {
                Some(f) => {
                    if t.starts_with(f) {
                        fence = None;
                    }
                    ""
                }
                None if t.starts_with("```") || t.starts_with("~~~") => {
                    fence = Some(&t[..3]);
                    ""
                }
                None => line,
            }
        })
        .collect();
    lines.join("\n")
}

/// A Markdown text without its code blocks and code spans: where links can be.
fn prose(text: &str) -> String {
    // A code span never crosses a blank line (the end of a paragraph).
    outside_fences(text)
        .split("\n\n")
        .map(strip_code_spans)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// `text` without its code spans: a run of backticks up to the next run of the same
/// length; an unmatched run stays as it is.
fn strip_code_spans(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('`') {
        out.push_str(&rest[..i]);
        let run = rest[i..].len() - rest[i..].trim_start_matches('`').len();
        let after = &rest[i + run..];
        // Bytes, not characters: a backtick is ASCII, so every match is a boundary.
        let bytes = after.as_bytes();
        let closing = (0..bytes.len()).find(|&j| {
            bytes[j..].iter().take_while(|&&b| b == b'`').count() == run
                && (j == 0 || bytes[j - 1] != b'`')
        });
        match closing {
            Some(j) => rest = &after[j + run..],
            None => {
                out.push_str(&rest[i..i + run]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// GitHub's anchor for a heading: links reduced to their text, lowercased, letters,
/// digits, `_`, `-` and spaces kept, every other character dropped, spaces made `-`.
fn anchor(heading: &str) -> String {
    let mut text = String::new();
    let mut rest = heading;
    while let Some(i) = rest.find("](") {
        let end = rest[i..].find(')').map_or(rest.len(), |e| i + e + 1);
        text.push_str(&rest[..i]);
        rest = &rest[end..];
    }
    text.push_str(rest);
    text.trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown file's headings; a repeated one gets `-1`, `-2`, ... as
/// GitHub numbers them.
fn anchors(text: &str) -> std::collections::HashSet<String> {
    let mut seen = std::collections::HashSet::new();
    for line in outside_fences(text).lines() {
        let level = line.len() - line.trim_start_matches('#').len();
        if !(1..=6).contains(&level) || !line[level..].starts_with(' ') {
            continue;
        }
        let base = anchor(&line[level..]);
        let mut name = base.clone();
        let mut n = 0;
        while !seen.insert(name.clone()) {
            n += 1;
            name = format!("{base}-{n}");
        }
    }
    seen
}

/// The targets of the inline links and images, and of the link definitions, of a
/// Markdown text (outside code).
fn link_targets(text: &str) -> Vec<String> {
    let prose = prose(text);
    let mut targets = Vec::new();
    let mut rest = prose.as_str();
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let end = rest.find(')').unwrap_or(rest.len());
        let target = rest[..end].trim();
        let target = target.split_whitespace().next().unwrap_or("");
        targets.push(target.trim_matches(['<', '>']).to_string());
        rest = &rest[end..];
    }
    for line in prose.lines() {
        let t = line.trim_start();
        if let Some(close) = t.strip_prefix('[').and_then(|t| t.find("]:")) {
            if let Some(target) = t[close + 3..].split_whitespace().next() {
                targets.push(target.to_string());
            }
        }
    }
    targets
}

/// The house stays linked: every relative link of the front page and the guide names a
/// file (or folder) that exists, and every `#anchor` a heading of its page.
#[test]
fn every_relative_link_in_the_docs_resolves() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    let mut broken = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(root).unwrap().display().to_string();
        for target in link_targets(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, fragment) = match target.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (target.as_str(), None),
            };
            let resolved = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            if !resolved.exists() {
                broken.push(format!("{shown}: {target}: no such file"));
                continue;
            }
            if let Some(fragment) = fragment {
                if resolved.extension().is_none_or(|x| x != "md") {
                    broken.push(format!(
                        "{shown}: {target}: an anchor into a non-Markdown file"
                    ));
                } else if !anchors(&std::fs::read_to_string(&resolved).unwrap()).contains(fragment)
                {
                    broken.push(format!("{shown}: {target}: no heading with that anchor"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    // The front page links every page of the guide, and the guide links back.
    assert!(checked > 40, "only {checked} relative links found");
}

#[test]
fn links_and_anchors_are_read_as_github_reads_them() {
    assert_eq!(
        anchor("Filter expressions (`--where`)"),
        "filter-expressions---where"
    );
    assert_eq!(
        anchor("`eval.sh`: K queries in one pass"),
        "evalsh-k-queries-in-one-pass"
    );
    assert_eq!(
        anchor("See [the guide](docs/README.md) now"),
        "see-the-guide-now"
    );
    let text = "# A\n\n## A\n\n### `--b`\n\n```\n# not a heading [x](nowhere.md)\n```\n\
                see [b](b.md#a-1) and `[c](c.md)`, ![d](d.png)\n\n[e]: e.md\n";
    assert_eq!(
        anchors(text),
        ["a", "a-1", "--b"].map(String::from).into_iter().collect()
    );
    assert_eq!(link_targets(text), ["b.md#a-1", "d.png", "e.md"]);
}

/// The first example of a page, run as shown (with `flightsift` this binary, in the
/// crate root): it must print exactly the rows shown, and the summary lines shown, in
/// that order, with the same outcome, emitted and bad-record counts (the timings, and
/// what was read and matched before a stop, depend on the thread schedule). A block
/// that ends in `...` shows the first summary lines only.
fn check_first_console_example(page: &str) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(page)).unwrap();
    let block = text
        .split("```console\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .unwrap_or_else(|| panic!("{page}: no console example"));
    let mut lines = block.lines();
    let command = lines.next().unwrap();
    let args: Vec<&str> = command
        .strip_prefix("$ cargo run --release -- ")
        .or_else(|| command.strip_prefix("$ flightsift "))
        .unwrap_or_else(|| panic!("{page}: not a flightsift command: {command}"))
        .split_whitespace()
        .collect();
    assert!(
        !args.iter().any(|a| a.contains(['\'', '"', '\\'])),
        "{args:?}"
    );
    let shown: Vec<&str> = lines.collect();
    let is_summary = |l: &&str| {
        l.split_once(':')
            .is_some_and(|(label, _)| label.chars().all(|c| c.is_ascii_lowercase() || c == ' '))
    };
    let rows: Vec<&str> = shown
        .iter()
        .copied()
        .take_while(|l| !is_summary(l))
        .collect();
    let summary: Vec<&str> = shown[rows.len()..].to_vec();
    let cut = summary.last() == Some(&"...");
    let summary = &summary[..summary.len() - usize::from(cut)];
    assert!(rows.len() > 1 && summary.len() > 3, "{page}: {block}");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flightsift"))
        .args(&args)
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{page}: {command}: {out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        rows,
        "{page}: {command}"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    let printed: Vec<&str> = stderr.lines().collect();
    let label = |l: &str| l.split_once(':').map_or(l, |(label, _)| label).to_string();
    let printed_labels: Vec<String> = printed.iter().map(|l| label(l)).collect();
    let shown_labels: Vec<String> = summary.iter().map(|l| label(l)).collect();
    if cut {
        assert!(
            printed_labels.starts_with(&shown_labels),
            "{page}: {command}: printed {printed_labels:?}, shown {shown_labels:?}"
        );
    } else {
        assert_eq!(printed_labels, shown_labels, "{page}: {command}");
    }
    for fixed in ["outcome", "emitted", "bad records"] {
        let line = |lines: &[&str]| {
            lines
                .iter()
                .find(|l| label(l) == fixed)
                .map(|l| l.to_string())
        };
        assert_eq!(line(&printed), line(summary), "{page}: {command}: {fixed}");
    }
}

/// The front page's thirty-second example prints what the front page shows.
#[test]
fn the_front_page_example_prints_what_it_shows() {
    check_first_console_example("README.md");
}

/// So does the first example of the providers page, on the recorded fixtures.
#[test]
fn the_provider_page_example_prints_what_it_shows() {
    check_first_console_example("docs/providers.md");
}

/// Each row of the guarantees page names the tests that check it, after the file that
/// holds them (`tests/` is implied for a bare name): each must be defined there, so a
/// renamed, moved or deleted test cannot leave a promise unchecked unseen.
#[test]
fn the_guarantees_name_tests_that_exist() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("docs/guarantees.md")).unwrap();
    let mut named = 0;
    let mut missing = Vec::new();
    for row in page.lines().filter(|l| l.starts_with("| **")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let checked_by = cells.last().unwrap().trim_end_matches(" |");
        let mut file: Option<(String, String)> = None;
        for (i, token) in checked_by.split('`').enumerate() {
            if i % 2 == 0 {
                continue;
            }
            if token.ends_with(".rs") {
                let path = if token.contains('/') {
                    token.to_string()
                } else {
                    format!("tests/{token}")
                };
                let source = std::fs::read_to_string(root.join(&path))
                    .unwrap_or_else(|e| panic!("guarantees name {path}: {e}"));
                file = Some((path, source));
            } else {
                let (path, source) = file
                    .as_ref()
                    .unwrap_or_else(|| panic!("`{token}` before any file in: {row}"));
                named += 1;
                let defined = source.match_indices(&format!("fn {token}")).any(|(at, m)| {
                    !source[at + m.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if !defined {
                    missing.push(format!("{path}: {token}"));
                }
            }
        }
    }
    assert!(named > 50, "only {named} tests named");
    assert!(
        missing.is_empty(),
        "named but not defined:\n{}",
        missing.join("\n")
    );
}
