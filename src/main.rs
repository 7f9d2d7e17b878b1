//! The `flightsift` binary: parse arguments, run the library, map outcomes to exit
//! codes. Everything that decides *what* is emitted lives in the library.

mod cli;
mod output;

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use flightsift::{
    Count, Encoded, Error, Filter, Format, Input, InputFormat, Search, SearchConfig, Summary,
};

use cli::{Cli, Command, DialectArg, InputFormatArg, OutputFormat, SearchArgs, SqlArgs};
use output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Search(args) => search(args),
        Command::Sql(args) => sql(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // Rust ignores SIGPIPE, so a closed stdout surfaces as an error here: that
            // is the reader saying it has enough, not a failure.
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(io::stderr(), "flightsift: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<Error>().is_some_and(Error::is_broken_pipe)
    })
}

fn search(args: SearchArgs) -> Result<ExitCode> {
    let filter = compile_filter(&args.filters)?;
    let inputs: Vec<Input> = if args.inputs.is_empty() {
        vec!["-".into()]
    } else {
        args.inputs.clone()
    }
    .into_iter()
    .map(|path| {
        let mut input = Input::from_path(path);
        if let Some(f) = args.input_format {
            input.format = match f {
                InputFormatArg::Csv => InputFormat::Csv,
                InputFormatArg::Ndjson => InputFormat::Ndjson,
            };
        }
        input
    })
    .collect();
    let mut config = SearchConfig::new(inputs);
    config.filter = filter;
    config.limit = args.limit;
    config.threads = args.threads.unwrap_or(0);
    config.page_size = args.page_size;
    config.channel_capacity = args.channel_capacity.unwrap_or(0);

    let summary = if args.count {
        count(config)?
    } else {
        emit(config, &args)?
    };
    report(&args, &summary)?;
    Ok(ExitCode::SUCCESS)
}

/// The flags AND `--where`, compiled once before any thread starts.
fn compile_filter(filters: &cli::FilterArgs) -> Result<Filter> {
    let text = filters.where_expr.as_deref();
    flightsift::filter::build(&filters.to_flags(), text)
        .map_err(|e| Error::Filter(e.render(text)).into())
}

fn sql(args: SqlArgs) -> Result<ExitCode> {
    use flightsift::sql::{query, Dialect, Source};
    let filter = compile_filter(&args.filters)?;
    let dialect = match args.dialect {
        DialectArg::Duckdb => Dialect::DuckDb,
        DialectArg::Spark => Dialect::Spark,
        DialectArg::Trino => Dialect::Trino,
    };
    let source = match (&args.table, &args.input) {
        (Some(table), _) => Source::Table(table.clone()),
        (None, Some(path)) => Source::csv_file(path)?,
        (None, None) => unreachable!("clap requires a DUMP or --table"),
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{}", query(&filter, dialect, &source)?)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn count(config: SearchConfig) -> Result<Summary> {
    let mut handle = Search::start_with(config, Count)?;
    let total: u64 = handle.by_ref().sum();
    let summary = handle.join()?;
    let mut out = io::stdout().lock();
    writeln!(out, "{total}")?;
    out.flush()?;
    Ok(summary)
}

fn emit(config: SearchConfig, args: &SearchArgs) -> Result<Summary> {
    let format = match (args.format, &args.output) {
        (Some(OutputFormat::Csv), _) => Format::Csv,
        (Some(OutputFormat::Json), _) => Format::Json,
        (Some(OutputFormat::Ndjson), _) => Format::Ndjson,
        (None, Some(path)) => Format::from_path(path).unwrap_or(Format::Csv),
        (None, None) => Format::Csv,
    };
    let mut out = match &args.output {
        Some(path) => Output::file(path).with_context(|| {
            format!("cannot create a temporary file next to {}", path.display())
        })?,
        None => Output::stdout(),
    };
    let target = out.name();
    let mut handle = Search::start_with(config, Encoded(format))?;

    // The single writer: whole chunks from the workers, separators between them.
    let mut written = 0u64;
    let mut write =
        |out: &mut Output, handle: &mut flightsift::SearchHandle<Encoded>| -> io::Result<()> {
            out.write_all(format.prefix())?;
            while let Some(chunk) = handle.next() {
                if written > 0 {
                    out.write_all(format.separator())?;
                }
                out.write_all(&chunk.bytes)?;
                written += chunk.records;
                // Stream: show results as soon as the workers go quiet.
                if out.is_stdout() && handle.pending() == 0 {
                    out.flush()?;
                }
            }
            out.write_all(format.suffix(written > 0))
        };
    let written_ok = write(&mut out, &mut handle);
    if written_ok.is_err() {
        handle.cancel();
    }
    let summary = handle.join();
    if let Err(e) = written_ok {
        return Err(Error::Output { target, source: e }.into());
    }
    let summary = summary?;
    out.finish()
        .map_err(|source| Error::Output { target, source })?;
    Ok(summary)
}

fn report(args: &SearchArgs, summary: &Summary) -> Result<()> {
    if args.stats {
        let _ = write!(io::stderr(), "{}", summary.render());
    }
    if let Some(path) = &args.stats_json {
        let mut out =
            Output::file(path).with_context(|| format!("cannot write {}", path.display()))?;
        let json = serde_json::to_vec_pretty(summary)?;
        out.write_all(&json)?;
        out.write_all(b"\n")?;
        out.finish()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
