//! The `flightsift` binary: parse arguments, run the library, map outcomes to exit
//! codes. Everything that decides *what* is emitted lives in the library.

mod cli;
mod evalcmd;
mod exit;
mod man;
mod output;
mod progress;
mod signals;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use flightsift::{
    Count, Document, Encoded, Error, ErrorPolicy, Filter, Format, Input, InputFormat, Outcome,
    Search, SearchConfig, Summary,
};

use cli::{
    Cli, Command, DialectArg, InputFormatArg, OnError, OutputFormat, ProviderArg, SearchArgs,
    SqlArgs,
};
use exit::Exit;
use output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Search(args) => search(args),
        Command::Gen(args) => generate(args),
        Command::Convert(args) => search(args.into_search()),
        Command::Sql(args) => sql(args),
        Command::Eval(args) => evalcmd::eval(args),
        Command::Explain(args) => evalcmd::explain(args),
        Command::Completions(args) => completions(args),
        Command::Man(args) => manual(args),
        Command::Help(args) => help(args),
    };
    match result {
        Ok(code) => code.into(),
        Err(err) => {
            // Rust ignores SIGPIPE, so a closed stdout surfaces as an error here: that
            // is the reader saying it has enough, not a failure.
            if is_broken_pipe(&err) {
                return Exit::Success.into();
            }
            let _ = writeln!(io::stderr(), "flightsift: error: {err:#}");
            Exit::Error.into()
        }
    }
}

fn completions(args: cli::CompletionsArgs) -> Result<Exit> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut out = io::stdout().lock();
    clap_complete::generate(args.shell, &mut cmd, "flightsift", &mut out);
    out.flush()?;
    Ok(Exit::Success)
}

fn manual(args: cli::ManArgs) -> Result<Exit> {
    match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            man::write_pages(&dir)
                .with_context(|| format!("cannot write into {}", dir.display()))?;
        }
        None => {
            let mut out = io::stdout().lock();
            out.write_all(&man::main_page()?)?;
            out.flush()?;
        }
    }
    Ok(Exit::Success)
}

/// `help [TOPIC]`: the language for `where`, else exactly what `--help` prints.
fn help(args: cli::HelpArgs) -> Result<Exit> {
    use clap::CommandFactory;
    if args.topic.as_deref() == Some("where") {
        let mut out = io::stdout().lock();
        out.write_all(flightsift::filter::doc::language_text().as_bytes())?;
        out.flush()?;
        return Ok(Exit::Success);
    }
    let argv = ["flightsift"]
        .into_iter()
        .chain(args.topic.as_deref())
        .chain(["--help"]);
    match Cli::command().try_get_matches_from(argv) {
        Err(shown) if shown.kind() == clap::error::ErrorKind::DisplayHelp => shown.print()?,
        other => anyhow::bail!("no help for {:?}: {:?}", args.topic, other.err()),
    }
    Ok(Exit::Success)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<Error>().is_some_and(Error::is_broken_pipe)
    })
}

/// The inputs as the flags say to read them.
fn inputs(args: &cli::InputArgs) -> Vec<Input> {
    let paths = if args.inputs.is_empty() {
        vec!["-".into()]
    } else {
        args.inputs.clone()
    };
    let format = match (args.input_format, args.provider) {
        (Some(InputFormatArg::Csv), _) => Some(InputFormat::Csv),
        (Some(InputFormatArg::Ndjson), _) => Some(InputFormat::Ndjson),
        (None, Some(ProviderArg::Provider(p))) => Some(InputFormat::Responses(Some(p))),
        (None, Some(ProviderArg::Canonical)) => None,
        (None, None) => None,
    };
    let canonical = args.provider == Some(ProviderArg::Canonical);
    paths
        .into_iter()
        .map(|path| {
            let input = Input::from_path(path);
            match format {
                Some(f) => input.with_format(f),
                None if canonical => input.canonical(),
                None => input,
            }
        })
        .collect()
}

fn search(args: SearchArgs) -> Result<Exit> {
    let filter = compile_filter(&args.filters)?;
    let inputs = inputs(&args.input);
    let mut config = SearchConfig::new(inputs);
    config.filter = filter;
    config.limit = args.limit;
    config.threads = args.run.threads.unwrap_or(0);
    config.page_size = args.page_size;
    config.channel_capacity = args.channel_capacity.unwrap_or(0);
    config.ordered = args.ordered;
    config.sort = args.rank.sort.clone();
    config.dedupe = args.rank.dedupe;
    config.latency = args.replay_latency;
    config.seed = args.seed;
    if let (Some(target), Some(rates)) = (args.rank.currency, &args.rank.rates) {
        config.currency = Some(flightsift::currency::Rates::load(rates)?.to(target));
    }
    config.validate_all = args.validate_all;
    config.timeout = args.timeout;
    config.on_error = match args.run.on_error {
        OnError::Fail => ErrorPolicy::Fail,
        OnError::Skip => ErrorPolicy::Skip,
    };
    if args.run.rejects.is_some() {
        // The rejects writer drains on its own thread: stream them all, drop none.
        config.rejects = flightsift::Rejects::Stream { capacity: 1024 };
    }
    if args.run.rejects.is_some() && args.run.on_error != OnError::Skip {
        anyhow::bail!(
            "--rejects needs --on-error skip (by default the first bad record stops the run)"
        );
    }

    signals::install();
    let Outputs {
        format,
        results,
        rejects,
        stats,
    } = open_outputs(&args)?;
    let bar = BarConfig {
        mode: progress::Mode::choose(
            args.run.quiet,
            args.progress,
            !args.count && goes_to_stdout(args.run.output.as_deref()),
        ),
        total: progress::total_bytes(&args.input.inputs),
        limit: args.limit,
    };
    let summary = if args.count {
        count(config, format, results, rejects, bar)?
    } else {
        emit(config, format, results, rejects, bar)?
    };
    report(&args, &summary, stats)?;
    Ok(match summary.outcome {
        Outcome::TimedOut => Exit::TimedOut,
        Outcome::Interrupted => signals::exit(),
        _ => Exit::Success,
    })
}

/// What the progress bar of a search needs besides the run.
struct BarConfig {
    mode: progress::Mode,
    total: Option<u64>,
    limit: Option<u64>,
}

impl BarConfig {
    fn start<C: flightsift::Collector>(
        self,
        handle: &flightsift::SearchHandle<C>,
    ) -> progress::Bar {
        progress::Bar::start(self.mode, handle.canceller(), self.total, self.limit)
    }
}

/// The one line that says a run's output is partial, so that a timeout or a Ctrl-C
/// is never mistaken for a complete answer (the exit status says it too, but a person
/// at a terminal reads text).
fn partial_notice(args: &SearchArgs, summary: &Summary) -> Option<String> {
    let why = match summary.outcome {
        Outcome::TimedOut => format!(
            "timed out after {}",
            humantime::format_duration(args.timeout.unwrap_or_default())
        ),
        Outcome::Interrupted => match signals::exit() {
            Exit::Terminated => "terminated (SIGTERM)".to_string(),
            _ => "interrupted".to_string(),
        },
        _ => return None,
    };
    Some(format!(
        "flightsift: partial: {why}; {} matches so far",
        indicatif::HumanCount(summary.emitted)
    ))
}

type RejectsWriter = std::thread::JoinHandle<Result<()>>;

/// Starts the rejects writer when asked for: a thread that drains the skipped
/// records into a CSV file, published atomically when the run ends.
fn rejects_writer<C: flightsift::Collector>(
    handle: &mut flightsift::SearchHandle<C>,
    out: Option<Output>,
) -> Option<RejectsWriter> {
    let (Some(out), Some(rx)) = (out, handle.rejects()) else {
        return None;
    };
    let target = out.name();
    Some(std::thread::spawn(move || -> Result<()> {
        let mut wtr = csv::Writer::from_writer(out);
        wtr.write_record(["input", "line", "reason", "field", "message", "record"])?;
        for r in rx.iter() {
            let line = r.location.line.to_string();
            let fields: [&[u8]; 6] = [
                r.location.input.as_bytes(),
                line.as_bytes(),
                r.error.reason.as_bytes(),
                r.error.field.unwrap_or("").as_bytes(),
                r.error.message.as_bytes(),
                &r.raw,
            ];
            wtr.write_record(fields)?;
        }
        let out = wtr
            .into_inner()
            .map_err(|e| anyhow::anyhow!("writing {target}: {}", e.error()))?;
        out.finish()
            .map_err(|source| Error::Output { target, source }.into())
    }))
}

fn finish_rejects(writer: Option<RejectsWriter>) -> Result<()> {
    match writer.map(|w| w.join()) {
        None => Ok(()),
        Some(Ok(result)) => result,
        Some(Err(_)) => Err(anyhow::anyhow!("the rejects writer panicked")),
    }
}

/// The flags AND `--where`, compiled once before any thread starts.
pub(crate) fn compile_filter(filters: &cli::FilterArgs) -> Result<Filter> {
    let text = filters.where_expr.as_deref();
    flightsift::filter::build(&filters.to_flags(), text)
        .map_err(|e| Error::Filter(e.render(text)).into())
}

fn sql(args: SqlArgs) -> Result<Exit> {
    use flightsift::sql::{query_with, Conversion, Dialect, Files, Options, Source};
    let filter = compile_filter(&args.filters)?;
    let dialect = match args.dialect {
        DialectArg::Duckdb => Dialect::DuckDb,
        DialectArg::Spark => Dialect::Spark,
        DialectArg::Trino => Dialect::Trino,
    };
    let source = match (&args.source, &args.table, &args.input) {
        (Some(path), view, _) => Source::Files {
            files: Files::resolve(path, dialect)?,
            view: view.clone().unwrap_or_else(|| "flights".into()),
        },
        (None, Some(table), _) => Source::Table(table.clone()),
        (None, None, Some(path)) => Source::csv_file(path)?,
        (None, None, None) => unreachable!("clap requires a DUMP, --table or --source"),
    };
    // The rates file is read by the engine when the query runs; it is checked here
    // first, so a bad file is an error now (with its line) rather than a wrong join.
    let currency = match (args.rank.currency, &args.rank.rates) {
        (Some(target), Some(rates)) => {
            flightsift::currency::Rates::load(rates)?;
            let path = rates.to_str().ok_or_else(|| {
                anyhow::anyhow!("{}: the path is not valid UTF-8", rates.display())
            })?;
            Some(Conversion {
                target,
                rates: path.to_string(),
            })
        }
        _ => None,
    };
    let options = Options {
        limit: args.limit,
        ordered: args.ordered,
        sort: args.rank.sort.clone(),
        dedupe: args.rank.dedupe,
        currency,
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{}", query_with(&filter, dialect, &source, options)?)?;
    out.flush()?;
    Ok(Exit::Success)
}

/// The output format: `--format`, else `-o`'s extension, else CSV.
fn output_format(args: &SearchArgs) -> Result<Format> {
    Ok(match (args.run.format, &args.run.output) {
        (Some(OutputFormat::Csv), _) => Format::Csv,
        (Some(OutputFormat::Json), _) => Format::Json,
        (Some(OutputFormat::Ndjson), _) => Format::Ndjson,
        (None, Some(path)) => match Format::from_path(path) {
            Some(format) => format,
            // A count is one number: any name will do for its plain form.
            None if args.count => Format::Csv,
            None => {
                unknown_extension(path, ".csv, .json or .ndjson", "csv|json|ndjson")?;
                Format::Csv
            }
        },
        (None, None) => Format::Csv,
    })
}

/// A file name without an extension (or `-`) says nothing and gets the default; one
/// whose extension names a format we do not write (`.tsv`, `.txt`) is refused rather
/// than silently given CSV under a misleading name.
/// A FIFO's or a device's name says nothing about a format either.
fn unknown_extension(path: &Path, names: &str, flag: &str) -> Result<()> {
    let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file());
    match path.extension() {
        Some(ext) if path.as_os_str() != "-" && !special => anyhow::bail!(
            "cannot tell the output format from `.{}` in {}: name the file {names}, or give --format {flag}",
            ext.to_string_lossy(),
            path.display()
        ),
        _ => Ok(()),
    }
}

fn count(
    config: SearchConfig,
    format: Format,
    mut out: Output,
    rejects: Option<Output>,
    bar: BarConfig,
) -> Result<Summary> {
    let mut handle = Search::start_with(config, Count)?;
    let canceller = handle.canceller();
    signals::on_interrupt(move || canceller.interrupt());
    let rejects = rejects_writer(&mut handle, rejects);
    let bar = bar.start(&handle);
    let total: u64 = handle.by_ref().sum();
    bar.finish();
    let summary = handle.join();
    finish_rejects(rejects)?;
    let summary = summary?;
    let mut bytes = Vec::new();
    format.encode_count(total, &mut bytes);
    let target = out.name();
    out.write_all(&bytes)
        .and_then(|()| out.finish())
        .map_err(|source| Error::Output { target, source })?;
    Ok(summary)
}

fn emit(
    config: SearchConfig,
    format: Format,
    mut out: Output,
    rejects: Option<Output>,
    bar: BarConfig,
) -> Result<Summary> {
    let target = out.name();
    let mut handle = Search::start_with(config, Encoded(format))?;
    let canceller = handle.canceller();
    signals::on_interrupt(move || canceller.interrupt());
    let rejects = rejects_writer(&mut handle, rejects);
    let bar = bar.start(&handle);

    // The single writer: whole chunks from the workers, framed by `Document`.
    let mut writing = std::time::Duration::ZERO;
    let mut write =
        |out: &mut Output, handle: &mut flightsift::SearchHandle<Encoded>| -> io::Result<()> {
            let mut doc = Document::new(format, out)?;
            while let Some(chunk) = handle.next() {
                let started = std::time::Instant::now();
                doc.write_chunk(&chunk.bytes, chunk.records)?;
                // Stream: show results as soon as the workers go quiet.
                if doc.get_mut().is_stream() && handle.pending() == 0 {
                    doc.get_mut().flush()?;
                }
                writing += started.elapsed();
            }
            doc.finish().map(drop)
        };
    let written_ok = write(&mut out, &mut handle);
    bar.finish();
    if written_ok.is_err() {
        handle.cancel();
    }
    let summary = handle.join();
    let rejected = finish_rejects(rejects);
    if let Err(e) = written_ok {
        return Err(Error::Output { target, source: e }.into());
    }
    let mut summary = summary?;
    rejected?;
    let started = std::time::Instant::now();
    out.finish()
        .map_err(|source| Error::Output { target, source })?;
    summary.time.writing_secs = Some((writing + started.elapsed()).as_secs_f64());
    Ok(summary)
}

fn generate(args: cli::GenArgs) -> Result<Exit> {
    use clap::ValueEnum;
    use cli::GenFormatArg;
    use flightsift::gen::{GenFormat, GenOptions};
    let format = match (args.format, &args.output) {
        (Some(GenFormatArg::Ndjson), _) => GenFormat::Ndjson,
        (Some(GenFormatArg::Csv), _) => GenFormat::Csv,
        (Some(GenFormatArg::Provider(p)), _) => GenFormat::Provider(p),
        (None, Some(path)) => match InputFormat::from_path(path) {
            Some(InputFormat::Ndjson) => GenFormat::Ndjson,
            Some(_) => GenFormat::Csv,
            None => {
                let values: Vec<String> = GenFormatArg::value_variants()
                    .iter()
                    .filter_map(ValueEnum::to_possible_value)
                    .map(|v| v.get_name().to_string())
                    .collect();
                unknown_extension(path, ".csv or .ndjson", &values.join("|"))?;
                GenFormat::Csv
            }
        },
        (None, None) => GenFormat::Csv,
    };
    let opts = GenOptions {
        rows: args.rows,
        seed: args.seed,
        format,
    };
    signals::install();
    let mut out = open_output(args.output.as_deref())?;
    let target = out.name();
    let generated = flightsift::gen::generate(&opts, signals::StopOnSignal(&mut out));
    // Interrupted: a partial dump is not what was asked for, so nothing is
    // published (dropping the output removes its temporary file).
    if signals::received() {
        return Ok(signals::exit());
    }
    generated.map_err(|source| Error::Output {
        target: target.clone(),
        source,
    })?;
    out.finish()
        .map_err(|source| Error::Output { target, source })?;
    Ok(Exit::Success)
}

/// The outputs of a search, opened before it starts so that an unusable path is
/// reported before any work is done and before anything is written.
struct Outputs {
    format: Format,
    results: Output,
    rejects: Option<Output>,
    stats: Option<Output>,
}

/// Whether an output path (none, or `-`) means stdout.
fn goes_to_stdout(path: Option<&Path>) -> bool {
    path.is_none_or(|p| p.as_os_str() == "-")
}

fn open_outputs(args: &SearchArgs) -> Result<Outputs> {
    let on_stdout: Vec<&str> = [
        ("the results", goes_to_stdout(args.run.output.as_deref())),
        (
            "--rejects",
            args.run
                .rejects
                .as_deref()
                .is_some_and(|p| goes_to_stdout(Some(p))),
        ),
        (
            "--stats-json",
            args.stats_json
                .as_deref()
                .is_some_and(|p| goes_to_stdout(Some(p))),
        ),
    ]
    .into_iter()
    .filter_map(|(what, yes)| yes.then_some(what))
    .collect();
    if let [first, second, ..] = on_stdout[..] {
        anyhow::bail!(
            "{first} and {second} would both go to stdout; send one of them to a file (-o FILE, --rejects FILE, --stats-json FILE)"
        );
    }
    let optional =
        |path: &Option<PathBuf>| path.as_deref().map(|p| open_output(Some(p))).transpose();
    Ok(Outputs {
        format: output_format(args)?,
        results: open_output(args.run.output.as_deref())?,
        rejects: optional(&args.run.rejects)?,
        stats: optional(&args.stats_json)?,
    })
}

/// Standard output, or the output `path` names (`-` is stdout too), its temporary
/// file registered so that a forced exit can remove it.
pub(crate) fn open_output(path: Option<&Path>) -> Result<Output> {
    let out = match path {
        Some(path) => {
            Output::open(path).with_context(|| format!("cannot write {}", path.display()))?
        }
        None => Output::stdout(),
    };
    signals::register_temp(&out);
    Ok(out)
}

/// What a finished run says on stderr (the bar is gone by now) and into --stats-json.
fn report(args: &SearchArgs, summary: &Summary, stats: Option<Output>) -> Result<()> {
    if args.run.stats {
        let _ = write!(io::stderr(), "{}", summary.render());
    }
    if !args.run.quiet {
        // A file cut short under `--on-error skip` is never silent, --stats or not.
        for error in &summary.unreadable {
            let _ = writeln!(io::stderr(), "flightsift: skipped: {error}");
        }
    }
    if let Some(line) = partial_notice(args, summary).filter(|_| !args.run.quiet) {
        let _ = writeln!(io::stderr(), "{line}");
    }
    if let Some(mut out) = stats {
        let target = out.name();
        let mut json = serde_json::to_vec_pretty(summary)?;
        json.push(b'\n');
        out.write_all(&json)
            .and_then(|()| out.finish())
            .map_err(|source| Error::Output { target, source })?;
    }
    Ok(())
}
