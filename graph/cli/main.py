"""The ``stakenet`` command group and its commands (views in graph/cli/views.py): thin click commands.

Each command parses options, calls one library function and prints its result. The store is
selected once by the group (embedded by default, Neo4j when a URI is given), opened lazily by
``get_store`` and closed when the command ends. Library errors (StakenetError) become one-line
``Error: ...`` messages with exit code 1. This is the edge of the application: it is the one
module under graph/ allowed to import viz/ (lazily, inside the view commands).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from graph import __version__
from graph.cli.context import StakenetGroup, StoreConfig, _rows_of, get_store
from graph.cli.views import _write_view_page, view
from graph.errors import StakenetError
from graph.text import redact_url, safe_text


@click.group(cls=StakenetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stakenet")
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    default="stakenet.db",
    show_default=True,
    envvar="STAKENET_DB",
    show_envvar=True,
    help="Embedded database file (the default store).",
)
@click.option("--neo4j-uri", envvar="NEO4J_URI", show_envvar=True, help="Use Neo4j at this URI instead of --db.")
@click.option("--neo4j-user", envvar="NEO4J_USER", show_envvar=True, default="neo4j", show_default=True)
@click.option("--neo4j-password", envvar="NEO4J_PASSWORD", show_envvar=True, help="Never logged or printed.")
@click.option("--neo4j-database", envvar="NEO4J_DATABASE", show_envvar=True, help="Neo4j database name (default: the server's).")
@click.pass_context
def cli(
    ctx: click.Context,
    db: Path,
    neo4j_uri: str | None,
    neo4j_user: str,
    neo4j_password: str | None,
    neo4j_database: str | None,
) -> None:
    """stakenet: the public-money stakeholder network (EU funding + procurement) as one graph.

    \b
    Example:
      stakenet demo --out out
      stakenet --db region.db load upphandling awards.csv --value-file values.csv
      NEO4J_URI=neo4j://localhost:7687 NEO4J_PASSWORD=... stakenet analyze
    """
    ctx.obj = StoreConfig(db, neo4j_uri, neo4j_user, neo4j_password, neo4j_database)


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default="out", show_default=True,
              help="Folder for report.md, report.html, report.json, network.html and the demo database.")
@click.option("--scale", type=click.IntRange(min=50), default=2_000, show_default=True,
              help="Synthetic organisations (projects ~2.9x, procurements 0.4x). EU size: 700000.")
@click.option("--seed", type=int, default=42, show_default=True, help="Seeds the generator, betweenness sampling and Louvain.")
@click.pass_context
def demo(ctx: click.Context, out_dir: Path, scale: int, seed: int) -> None:
    """Generate a SYNTHETIC network, load, analyse, and write a report and an interactive view.

    Runs into a fresh embedded database of its own, OUT/demo.db (never into your --db), unless
    Neo4j is selected. Outputs appear in OUT only when every step succeeded.

    \b
    Example:
      stakenet demo --out out --scale 2000 --seed 42
      open out/network.html out/report.html
    """
    from graph import demo as demo_lib
    from viz.views import write_view

    cfg = ctx.find_object(StoreConfig)
    assert cfg is not None
    demo_lib.check_writable(out_dir)
    if cfg.kind == "embedded":
        cfg.db = out_dir / "demo.db"
        demo_lib.fresh_database(cfg.db)
    say = lambda msg: click.echo(safe_text(msg), err=True)  # noqa: E731
    say(f"stakenet demo: SYNTHETIC data into the {cfg.describe()}")
    store = get_store(ctx, create=True)

    def draw(G: Any, path: Path) -> Any:
        # Every node is an organisation here, so colour shows the Louvain communities.
        return write_view(G, path, title="Stakeholder network (synthetic demo data)", colour_by="community", seed=seed)

    result = demo_lib.run_demo_into(
        store, out_dir, draw, scale=scale, seed=seed, command="stakenet " + " ".join(_effective_argv(ctx)), say=say
    )
    for line in demo_lib.summary_lines(store, result, cfg.describe(), out_dir):
        click.echo(safe_text(line))


def _effective_argv(ctx: click.Context) -> list[str]:
    """The options the group and the command ran with (defaults left out), as an argv list."""
    argv: list[str] = []
    for c in (ctx.find_root(), ctx):
        if c is not ctx.find_root():
            argv.append(c.info_name or "")
        for param in c.command.params:
            value = c.params.get(param.name or "")
            if not isinstance(param, click.Option) or value in (None, False) or str(value) == str(param.default):
                continue
            if "password" in (param.name or ""):
                continue
            argv += [param.opts[0]] if param.is_flag else [param.opts[0], redact_url(str(value))]
    return argv


@cli.command()
@click.option("--region", metavar="NUTS", help="Add a region profile: a NUTS code (SE313) or a region name (Gävleborgs län).")
@click.option("--org", metavar="ORG", help="Add an organisation profile: an org_id, organisation number or exact name.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default="report", show_default=True,
              help="Folder for report.md (+ charts/), report.html and report.json.")
@click.option("--format", "formats", default="md,html,json", show_default=True, help="Comma-separated: md, html, json.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Rows per ranking.")
@click.option("--quiet", is_flag=True, help="Do not print progress on stderr.")
@click.option("--views/--no-views", "with_views", default=True, show_default=True,
              help="Also write the interactive pages the report links to (network, region, ego, market, communities).")
@click.pass_context
def report(ctx: click.Context, region: str | None, org: str | None, out_dir: Path, formats: str, top: int, quiet: bool,
           with_views: bool) -> None:
    """Write a network report (Markdown, HTML, JSON with charts) from the selected store.

    Metrics come from `stakenet analyze`; run it first for PageRank, betweenness and communities.

    \b
    Example:
      stakenet --db region.db report --region SE313 --org "Region Gävleborg" --out out
      stakenet report --format json --top 20
    """
    from graph.report import command_line, parse_formats, write_report

    try:
        chosen = parse_formats(formats)
    except StakenetError as exc:
        raise click.BadParameter(str(exc), param_hint="--format") from exc
    progress = None if quiet else (lambda step: click.echo(safe_text(f"report: {step} ..."), err=True))
    paths = write_report(
        get_store(ctx, write=False), out_dir, formats=chosen, region=region, org=org, top=top,
        command=command_line(_effective_argv(ctx)), progress=progress, view_prefix=_view_prefix(ctx),
    )
    for path in paths.all():
        click.echo(safe_text(path))
    if with_views and "html" in chosen:
        _write_report_views(ctx, paths.data.get("views", []), out_dir, progress)


def _view_prefix(ctx: click.Context) -> str:
    """`stakenet` with the store options the report was made from, for the commands it states."""
    from graph.report import command_line

    cfg = ctx.find_object(StoreConfig)
    if cfg is not None and cfg.neo4j_uri:
        return command_line(["--neo4j-uri", cfg.neo4j_uri])
    db = Path(cfg.db).resolve() if cfg is not None else None
    return command_line(["--db", str(db)]) if db else "stakenet"


def _write_report_views(ctx: click.Context, views: Any, out_dir: Path, progress: Any) -> None:
    """Write the pages the report links to into its folder, so that every link resolves."""
    from graph import neighbourhood as nb

    store = get_store(ctx, write=False)
    build = {
        "network": lambda arg: nb.stakeholder_overview(store, max_nodes=1500),
        "region": lambda arg: nb.region(store, arg, max_nodes=1500),
        "ego": lambda arg: nb.ego(store, arg, depth=1, max_nodes=500),
        "market": lambda arg: nb.market(store, arg, depth=1, max_nodes=800),
        "community": lambda arg: nb.community(store, int(arg), max_nodes=1000),
    }
    for v in views:
        if progress:
            progress(f"view {v['file']}")
        _write_view_page(build[v["view"]](v["arg"]), out_dir / v["file"], v["command"].rsplit(" --out ", 1)[0], 42, "type")


@cli.command("query")
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A $parameter of the query; repeat for several. Typed by the query's header.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--list", "list_queries_", is_flag=True, help="List the questions: name, question, parameters, columns.")
@click.option("--cypher", metavar="TEXT", help="Run this ad-hoc Cypher instead of a named query (read-only).")
@click.option("--write", is_flag=True, help="Let --cypher change the database (otherwise it runs read-only).")
@click.option("--timeout", type=click.FloatRange(min=0.001), metavar="SECONDS",
              help="Stop the query after this many seconds (default: no limit).")
@click.pass_context
def query(
    ctx: click.Context,
    name: str | None,
    params: tuple[str, ...],
    fmt: str,
    list_queries_: bool,
    cypher: str | None,
    write: bool,
    timeout: float | None,
) -> None:
    """Run an analyst question from queries/ (or ad-hoc Cypher) on the selected store.

    Parameters always reach the database as $parameters, never pasted into the text. Named
    questions and --cypher run in a read-only transaction; --write lifts that for --cypher.

    \b
    Example:
      stakenet query --list
      stakenet query buyer_suppliers --param buyer_id=SE-ON:2321000198 --format csv
      stakenet query --cypher 'MATCH (o:Organisation) WHERE o.name = $name RETURN o.org_id' -p name="Region Gävleborg"
    """
    from graph import queries as lib

    if list_queries_:
        if name or cypher:
            raise click.UsageError("--list takes no query name and no --cypher")
        click.echo(lib.describe_queries(lib.list_queries()))
        return
    if write and not cypher:
        raise click.UsageError("--write applies to --cypher only; named queries are read-only")
    if cypher is not None:
        if name:
            raise click.UsageError("give either a query NAME or --cypher, not both")
        result = lib.run_cypher(get_store(ctx, write=write), cypher, lib.parse_adhoc_params(params), write=write,
                                timeout=timeout)
    elif name:
        chosen = lib.get_query(name)
        result = lib.run_query(get_store(ctx, write=False), chosen, lib.parse_params(chosen, params), timeout=timeout)
    else:
        raise click.UsageError("give a query NAME, --cypher TEXT or --list")
    click.echo(lib.format_result(result, fmt) if fmt == "json" else safe_text(lib.format_result(result, fmt)))


@cli.command("load")
@click.argument("kind", type=click.Choice(["upphandling", "projektbanken", "nuts", "interreg", "cordis"]))
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--value-file", type=click.Path(dir_okay=False, path_type=Path),
              help="upphandling: the contracted-value export, joined on Upphandlings-ID.")
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of the files (e.g. cp1252).")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where rows that cannot be parsed go (CSV)  [default: <kind>-rejects.csv, only when there are any]")
@click.pass_context
def load(ctx: click.Context, kind: str, paths: tuple[Path, ...], value_file: Path | None, encoding: str,
         rejects_path: Path | None) -> None:
    """Load source files (procurement statistics, Projektbanken, NUTS, Interreg partners, CORDIS) into the selected store.

    Prints rows loaded and rejected per file, how organisations were identified (organisation
    number, name, renames table) and a data-quality summary. Loading again changes nothing.

    \b
    Example:
      stakenet load nuts ../shared/data/nuts2013.csv
      stakenet load upphandling ../shared/data/se_procurement_2021_awards.csv \\
          --value-file ../shared/data/se_procurement_2021_contracted_value.csv
      stakenet load projektbanken ../shared/data/se_erdf_2014_2020_projektbanken_2016.json
      stakenet load interreg ../shared/data/se_interreg_2021_2027_partners.json
      stakenet load cordis ../shared/data/eu_cordis_participations_2014.csv
    """
    from graph.ingest.load import check_rejects_path, load_files
    from graph.store.dbpath import companions

    cfg = ctx.find_object(StoreConfig)
    protected = companions(cfg.db) if cfg is not None and cfg.kind == "embedded" else []
    rejects = rejects_path or Path(f"{kind}-rejects.csv")
    check_rejects_path(rejects, [*paths, *([value_file] if value_file else [])], protected)  # before the store opens
    result = load_files(
        get_store(ctx, create=True), kind, list(paths), value_file=value_file, encoding=encoding,
        rejects_path=rejects, protected=protected,
    )
    for line in result.summary_lines():
        click.echo(safe_text(line))


@cli.command("neo4j-import")
@click.argument("files_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--synthetic", "scale", type=int, required=True,
              help="Import the synthetic network with this many organisations (700000: EU size).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the synthetic network.")
@click.option("--neo4j-admin", "admin", metavar="COMMAND",
              help="Run the import with this neo4j-admin command (e.g. neo4j-admin, or "
                   "'docker compose run --rm -v ./import:/import neo4j neo4j-admin'); without it the command is printed.")
@click.option("--files-root", "root", metavar="PATH",
              help="Where neo4j-admin sees FILES_DIR (a container mount such as /import).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The Neo4j data directory neo4j-admin writes to, when known: an existing database there is "
                   "refused before anything runs, and a failed import's leftovers are removed.")
@click.option("--database", default="neo4j", show_default=True, help="Name of the database to build.")
@click.pass_context
def neo4j_import(ctx: click.Context, files_dir: Path, scale: int, seed: int, admin: str | None, root: str | None,
                 data_dir: Path | None, database: str) -> None:
    """Bulk path into an EMPTY Neo4j: write neo4j-admin CSV files, then `neo4j-admin database import full`.

    Many times faster than a transactional load (bench/bench_neo4j_import.py), but it only builds a
    new database: a database that exists is refused (load into it with `stakenet --neo4j-uri ... load`).
    With --neo4j-uri, the running database is checked to be empty first. Start Neo4j on the imported
    database afterwards; the first stakenet command creates the constraints.

    \b
    Example (docs/neo4j-import.md; the server must be stopped and its database not yet created):
      stakenet neo4j-import import --synthetic 700000 --files-root /import \\
          --neo4j-admin 'docker compose run --rm -v ./import:/import neo4j neo4j-admin'
    """
    import shlex

    from graph.sources.synthetic_columns import iter_columns
    from graph.store.neo4j_import import refuse_non_empty, run_import, write_import_files_from_columns

    cfg = ctx.find_object(StoreConfig)
    if cfg is not None and cfg.neo4j_uri:
        from graph.store import neo4j as neo4j_store  # type: ignore[attr-defined,unused-ignore]

        driver = neo4j_store.connect(cfg.neo4j_uri, cfg.neo4j_user, cfg.neo4j_password)
        try:
            with driver.session(database=cfg.neo4j_database) as session:
                refuse_non_empty(
                    lambda: int(session.run("MATCH (n) WHERE NOT n:Meta RETURN count(n) AS c").single(strict=True)["c"]),
                    cfg.neo4j_database,
                )
        finally:
            driver.close()
    files = write_import_files_from_columns(iter_columns(scale=scale, seed=seed), files_dir)
    click.echo(f"wrote {files.node_count:,} nodes and {files.rel_count:,} relationships to {files_dir}")
    if admin is None:
        click.echo("import them with (Neo4j stopped, the database not yet created):")
        click.echo("  neo4j-admin " + shlex.join(files.admin_args(database, root)))
        return
    run_import(files, shlex.split(admin), database=database, data_dir=data_dir, root=root)
    click.echo(f"imported into database {database!r}; start Neo4j on it (the first stakenet command adds the constraints)")


def _eukg_filter(check: str) -> Any:
    """A click callback validating a harvest filter with graph.sources.eukg's ``check``."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        from graph.sources.eukg import queries as eukg

        try:
            return str(getattr(eukg, check)(value))
        except StakenetError as exc:
            raise click.BadParameter(str(exc)) from exc

    return callback


@cli.command("harvest")
@click.option("--endpoint", default="https://query.linkedopendata.eu/bigdata/namespace/wdq/sparql", show_default=True,
              envvar="STAKENET_EUKG_ENDPOINT", show_envvar=True, help="SPARQL 1.1 endpoint of the EU Knowledge Graph.")
@click.option("--country", metavar="CODE", help="Only projects in this country: ISO code (SE) or item id (Q11).",
              callback=_eukg_filter("check_country"))
@click.option("--nuts", metavar="CODE", help="Only projects located in this NUTS region or below it (SE313, SE31).",
              callback=_eukg_filter("check_nuts"))
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many projects.")
@click.option("--page-size", type=click.IntRange(min=1, max=50_000), default=1000, show_default=True,
              help="Projects per page (each page is two requests: its items, then their facts).")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path),
              help="Keep every page's raw answer here; a rerun resumes where it stopped and repeats no request.")
@click.option("--retries", type=click.IntRange(min=1), default=6, show_default=True, help="Attempts per request.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=120.0, show_default=True,
              help="Seconds to wait for the endpoint to send anything (each wait on the connection).")
@click.option("--deadline", type=click.FloatRange(min=0.1), default=600.0, show_default=True,
              help="Seconds one request may take in all, however slowly the answer trickles in.")
@click.option("--max-response-mb", type=click.FloatRange(min=0.001), default=512.0, show_default=True,
              help="Refuse an answer larger than this many MiB (an endpoint that never stops sending).")
@click.option("--quiet", is_flag=True, help="Do not show progress on stderr.")
@click.pass_context
def harvest_command(ctx: click.Context, endpoint: str, country: str | None, nuts: str | None, limit: int | None,
                    page_size: int, cache: Path | None, retries: int, timeout: float, deadline: float,
                    max_response_mb: float, quiet: bool) -> None:
    """Harvest EU-funded projects, beneficiaries, funds, programmes, themes and regions from the
    EU Knowledge Graph (Kohesio's data) over SPARQL into the selected store.

    Budgets keep their units: EUR amounts in eu_budget_eur/total_budget_eur, national-currency
    amounts with their ISO code in eu_budget/total_budget/currency. Failed requests are retried
    with backoff; with --cache an interrupted harvest resumes where it stopped.

    \b
    Example:
      stakenet harvest --nuts SE313 --cache eukg-cache
      stakenet harvest --country SE --page-size 500 --cache eukg-cache
      stakenet --db test.db harvest --endpoint http://127.0.0.1:7878/sparql --limit 100
    """
    from graph.ingest.harvest import harvest
    from graph.sources.eukg.fetch import RetryPolicy

    def progress(stats: Any) -> None:
        click.echo("\r" + stats.progress_line(), err=True, nl=False)

    stats = harvest(
        get_store(ctx, create=True), endpoint, country=country, nuts=nuts, limit=limit, page_size=page_size, cache=cache,
        retry=RetryPolicy(attempts=retries, timeout=timeout, deadline=deadline, max_bytes=int(max_response_mb * (1 << 20))),
        progress=None if quiet else progress,
    )
    if not quiet:
        click.echo("", err=True)
    click.echo(safe_text(stats.summary()))


@cli.command("analyze")
@click.option("--network", "networks", type=click.Choice(["collaboration", "market", "buyers", "stakeholder", "all"]),
              multiple=True, default=("stakeholder",), show_default=True,
              help="Network(s) to analyse; repeat the option or give `all`.")
@click.option("--seed", type=int, default=42, show_default=True, help="Seeds betweenness sampling and Louvain.")
@click.option("--indicators/--no-indicators", "with_indicators", default=True, show_default=True,
              help="Also compute the buyer, county, community and bridge indicators.")
@click.option("--betweenness", "betweenness_method", type=click.Choice(["auto", "sampled", "kadabra"]), default="auto",
              show_default=True,
              help="Betweenness above 5,000 nodes: Brandes from 256 sampled sources with standard errors (sampled), or "
                   "KADABRA (NetworKit: every value within a stated error with probability 0.9; faster and closer on "
                   "big networks, python -m bench betweenness); auto takes KADABRA from 50,000 nodes.")
@click.option("--quiet", is_flag=True, help="Do not print progress on stderr.")
@click.pass_context
def analyze_command(ctx: click.Context, networks: tuple[str, ...], seed: int, with_indicators: bool,
                    betweenness_method: str, quiet: bool) -> None:
    """Compute network metrics (degree, strength, PageRank, betweenness, eigenvector, k-core,
    Louvain communities), write them back to the organisations, and print a summary.

    The metrics of the stakeholder network (else of the first network given) are written as
    Organisation properties (pagerank, betweenness, community, core, ...) for Cypher queries.

    \b
    Example:
      stakenet analyze
      stakenet analyze --network all --seed 7
      stakenet analyze --network all --betweenness kadabra
      stakenet --db region.db analyze --network market --no-indicators
    """
    from graph.analysis.analyze import analyze
    from graph.indicators import compute_indicators

    store = get_store(ctx)
    progress = None if quiet else (lambda msg: click.echo(safe_text(msg), err=True))
    result = analyze(store, networks, seed=seed, progress=progress, betweenness_method=betweenness_method)
    click.echo(safe_text(result.summary()))
    if with_indicators:
        if progress:
            progress("indicators ...")
        primary = result.networks.get(result.written_network or "")
        click.echo(safe_text(compute_indicators(store, primary).summary()))


@cli.command("check")
@click.pass_context
def check_command(ctx: click.Context) -> None:
    """Check the stored graph: schema version, node keys, relationship endpoints. Exit 1 when damaged.

    Reads everything back (read-only) and prints one verdict line. Run it after a crash, a
    disk-full, or on a copied database before trusting its figures.

    \b
    Example:
      stakenet --db region.db check
    """
    from graph.store.integrity import check_integrity

    store = get_store(ctx, write=False)
    found = check_integrity(_rows_of(store), store.rows)
    if not found.ok:
        raise click.ClickException(found.verdict())
    click.echo(found.verdict())


@cli.command("flags")
@click.option("--list", "list_", is_flag=True, help="Print the red-flag catalogue: code, level, title, rule, anchor.")
@click.option("--buyer", metavar="ORG", help="Flags of a buyer (org_id, organisation number or name).")
@click.option("--procurement", metavar="ID", help="Flags of a procurement (procurement_id, or an Upphandlings-ID used by one buyer).")
@click.option("--lot", metavar="LOT_KEY", help="Flags of a lot ('<procurement_id>|<Anbudsområdes-ID>').")
@click.option("--supplier", metavar="ORG", help="Flags of a supplier and of the lots it won.")
@click.pass_context
def flags(ctx: click.Context, list_: bool, buyer: str | None, procurement: str | None, lot: str | None,
          supplier: str | None) -> None:
    """Competition risk signals (a closer look, never an accusation): the catalogue, or the flags of one entity.

    \b
    Example:
      stakenet flags --list
      stakenet flags --buyer "Region Gävleborg"
    """
    from graph.competition_flags import catalogue_lines, resolve_flag_target

    if list_:
        click.echo("\n".join(catalogue_lines()))
        return
    if sum(x is not None for x in (buyer, procurement, lot, supplier)) != 1:
        raise click.UsageError("give --list, or one of --buyer, --procurement, --lot, --supplier")
    click.echo(safe_text("\n".join(resolve_flag_target(get_store(ctx, write=False), buyer=buyer,
                                                       procurement=procurement, lot=lot, supplier=supplier))))


@cli.command("export")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(["graphml", "gexf", "csv"]))
@click.option("--network", type=click.Choice(["collaboration", "market", "buyers", "stakeholder", "single_bid", "dependence"]),
              help="Export this projection with its metrics (default: the whole graph, every node and relationship).")
@click.option("--out", type=click.Path(path_type=Path),
              help="The file to write (csv: a folder for nodes.csv and edges.csv). Default: stakenet-<network>.<format>.")
@click.option("--force", is_flag=True, help="Overwrite an existing target.")
@click.option("--seed", type=int, default=42, show_default=True, help="Seeds betweenness sampling and Louvain.")
@click.pass_context
def export_command(ctx: click.Context, fmt: str, network: str | None, out: Path | None, force: bool, seed: int) -> None:
    """Write a network (or the whole graph) with its metrics for Gephi, Cytoscape or a spreadsheet.

    \b
    Example:
      stakenet export graphml --network market --out market.graphml
      stakenet export gexf --network stakeholder
      stakenet export csv --out graph-csv
    """
    from graph.export import export_network

    info = export_network(get_store(ctx, write=False), fmt, network=network, out=out, force=force, seed=seed)
    what = f"the {info.network} network" if info.network else "the whole graph"
    click.echo(safe_text(f"wrote {info.path}: {what}, {info.nodes:,} nodes, {info.edges:,} edges"))


cli.add_command(view)
