//! Manual pages, generated from the clap definition (options, commands, examples) and
//! from the library's reference of the `--where` language, so that an installed
//! binary documents itself and the pages cannot drift from the code.

use std::io::{self, Write};
use std::path::Path;

use clap::CommandFactory;
use clap_mangen::roff::{bold, roman, Roff};
use clap_mangen::Man;
use flightsift::filter::doc;

use crate::cli::Cli;
use crate::exit::Exit;

/// The definition with its derived names (`flightsift search`) filled in.
fn command() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd
}

/// Commands whose page explains the language: those that take `--where`.
fn takes_where(cmd: &clap::Command) -> bool {
    cmd.get_arguments().any(|a| a.get_long() == Some("where"))
}

/// `flightsift.1`: everything in one page, every command's options included, then
/// the language, its fields and the exit statuses.
pub fn main_page() -> io::Result<Vec<u8>> {
    let cmd = command();
    let mut out = Vec::new();
    let man = Man::new(cmd.clone());
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    man.render_subcommands_section(&mut out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let title = format!(
            "{} {}",
            cmd.get_name().to_uppercase(),
            sub.get_name().to_uppercase()
        );
        let mut roff = Roff::new();
        roff.control("SH", [title.as_str()]);
        roff.to_writer(&mut out)?;
        let mut part = Vec::new();
        let man = Man::new(sub.clone());
        man.render_description_section(&mut part)?;
        man.render_synopsis_section(&mut part)?;
        man.render_options_section(&mut part)?;
        if sub.get_after_help().is_some() {
            man.render_extra_section(&mut part)?;
        }
        // Its sections become subsections of the command's section.
        let part = String::from_utf8_lossy(&part).replace(".SH ", ".SS ");
        out.extend_from_slice(part.replace(".SS EXTRA", ".SS NOTES").as_bytes());
    }
    language(&mut out)?;
    exit_status(&mut out)?;
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// The page of one command (`flightsift-search.1`).
fn command_page(sub: &clap::Command) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    Man::new(sub.clone()).render(&mut out)?;
    if takes_where(sub) {
        language(&mut out)?;
    }
    Ok(out)
}

/// `man --dir DIR`: `flightsift.1` and one page per visible command.
pub fn write_pages(dir: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    let cmd = command();
    let mut written = Vec::new();
    let mut write = |name: String, bytes: Vec<u8>| -> io::Result<()> {
        let path = dir.join(name);
        std::fs::File::create(&path)?.write_all(&bytes)?;
        written.push(path);
        Ok(())
    };
    write(format!("{}.1", cmd.get_name()), main_page()?)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write(Man::new(sub.clone()).get_filename(), command_page(sub)?)?;
    }
    Ok(written)
}

/// FILTER LANGUAGE, FIELDS and FLAGS AS EXPRESSIONS.
fn language(out: &mut Vec<u8>) -> io::Result<()> {
    let mut roff = Roff::new();
    roff.control("SH", ["FILTER LANGUAGE"]);
    roff.text([roman(doc::plain(
        "`search --where EXPR` keeps the flights for which EXPR is true, ANDed with the \
         filter flags; `sql --where EXPR` prints the same filter as one SQL query.",
    ))]);
    roff.control("SS", ["Examples"]);
    preformatted(&mut roff, doc::EXAMPLES);
    roff.control("SS", ["Meaning"]);
    for para in doc::plain(doc::MEANING).split("\n* ") {
        roff.control("IP", ["\\(bu", "2"]);
        roff.text([roman(para.trim_start_matches("* ").replace('\n', " "))]);
    }
    roff.control("SS", ["Grammar"]);
    preformatted(&mut roff, doc::GRAMMAR);
    for para in doc::plain(doc::GRAMMAR_NOTES).split("\n\n") {
        roff.control("PP", []);
        roff.text([roman(para.replace('\n', " "))]);
    }
    roff.control("SH", ["FIELDS"]);
    for f in doc::fields() {
        roff.control("TP", []);
        roff.text([
            bold(f.name),
            roman(format!(
                " ({}{})",
                f.ty,
                if f.nullable { ", can be unknown" } else { "" }
            )),
        ]);
        roff.text([roman(doc::plain(f.meaning))]);
        roff.control("br", []);
        roff.text([roman("e.g. "), bold(f.example)]);
        roff.control("br", []);
        roff.text([roman(format!(
            "operators: {}; literals: {}",
            doc::plain(f.operators),
            doc::plain(&f.literals)
        ))]);
    }
    roff.control("SH", ["FLAGS AS EXPRESSIONS"]);
    for (flag, expr) in doc::flags() {
        roff.control("TP", []);
        roff.text([bold(flag)]);
        roff.text([roman(expr)]);
    }
    roff.to_writer(out)
}

fn exit_status(out: &mut Vec<u8>) -> io::Result<()> {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for e in Exit::ALL {
        roff.control("TP", []);
        roff.text([bold(e.code().to_string())]);
        roff.text([roman(doc::plain(e.meaning()))]);
    }
    roff.to_writer(out)
}

fn preformatted(roff: &mut Roff, text: &str) {
    roff.control("PP", []);
    roff.control("nf", []);
    roff.text([roman(text.trim_end())]);
    roff.control("fi", []);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The section of `page` that starts at the `.SH` line `title` and ends at the
    /// next `.SH`.
    fn section<'a>(page: &'a str, title: &str) -> &'a str {
        let start = page
            .find(&format!("\n.SH {title}\n"))
            .unwrap_or_else(|| panic!("no section {title}"))
            + 1;
        let end = page[start + 4..]
            .find("\n.SH ")
            .map_or(page.len(), |e| start + 4 + e);
        &page[start..end]
    }

    /// Every long flag of every command, taken from the definition itself, has an
    /// entry (`.TP` then the flag in bold) in its command's section: a mention in the
    /// synopsis alone would not explain it.
    #[test]
    fn the_main_page_explains_every_long_flag_of_every_command() {
        let page = String::from_utf8(main_page().unwrap()).unwrap();
        let cmd = command();
        let mut checked = 0;
        for sub in std::iter::once(&cmd).chain(cmd.get_subcommands()) {
            let part = if sub.get_name() == cmd.get_name() {
                section(&page, "OPTIONS")
            } else {
                section(
                    &page,
                    &format!("\"FLIGHTSIFT {}\"", sub.get_name().to_uppercase()),
                )
            };
            let entries: Vec<&str> = part
                .split(".TP\n")
                .skip(1)
                .filter_map(|e| e.lines().next())
                .collect();
            for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
                if let Some(long) = arg.get_long() {
                    // roff writes a dash as `\-`.
                    let shown = format!("\\fB\\-\\-{}\\fR", long.replace('-', "\\-"));
                    assert!(
                        entries.iter().any(|e| e.contains(&shown)),
                        "{} --{long}: no entry in the man page",
                        sub.get_name()
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 40, "only {checked} flags seen");
        let fields = section(&page, "FIELDS");
        for f in flightsift::filter::Field::ALL {
            assert!(
                fields.contains(&format!(".TP\n\\fB{}\\fR", f.name())),
                "{}",
                f.name()
            );
        }
        let exits = section(&page, "\"EXIT STATUS\"");
        for e in Exit::ALL {
            assert!(exits.contains(&format!(".TP\n\\fB{}\\fR", e.code())));
        }
    }

    #[test]
    fn every_visible_command_has_a_page() {
        let dir = tempfile::tempdir().unwrap();
        let written = write_pages(dir.path()).unwrap();
        let cmd = command();
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = format!("flightsift-{}.1", sub.get_name());
            assert!(
                written.iter().any(|p| p.ends_with(&name)),
                "no {name} in {written:?}"
            );
            let page = std::fs::read_to_string(dir.path().join(&name)).unwrap();
            assert!(page.starts_with(".ie") || page.contains(".TH"), "{name}");
            assert_eq!(page.contains("FILTER LANGUAGE"), takes_where(sub), "{name}");
        }
    }
}
