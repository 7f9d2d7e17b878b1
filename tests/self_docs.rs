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
