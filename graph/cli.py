"""The ``stakenet`` command line: thin click commands over the library.

Each command parses options, calls one library function and prints its result. The store is
selected once by the group (embedded by default, Neo4j when a URI is given), opened lazily by
``get_store`` and closed when the command ends. Library errors (StakenetError) become one-line
``Error: ...`` messages with exit code 1. This is the edge of the application: it is the one
module under graph/ allowed to import viz/ (lazily, inside the view commands).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from graph import __version__
from graph.errors import StakenetError


@dataclass
class StoreConfig:
    """How to reach the store; filled by the group's options."""

    db: Path
    neo4j_uri: str | None
    neo4j_user: str
    neo4j_password: str | None
    neo4j_database: str | None
    store: Any = None

    @property
    def kind(self) -> str:
        return "neo4j" if self.neo4j_uri else "embedded"

    def describe(self) -> str:
        return f"Neo4j at {self.neo4j_uri}" if self.neo4j_uri else f"embedded database {self.db}"


class StakenetGroup(click.Group):
    """A group that turns library errors into click's one-line errors (no tracebacks)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StakenetError as exc:
            raise click.ClickException(str(exc)) from exc


def get_store(ctx: click.Context) -> Any:
    """The selected store, opened once per command and closed when the command ends."""
    cfg = ctx.find_object(StoreConfig)
    assert cfg is not None, "the stakenet group sets up the store configuration"
    if cfg.store is not None:
        return cfg.store
    root = ctx.find_root()
    if cfg.neo4j_uri:
        from graph.store import neo4j as neo4j_store  # type: ignore[attr-defined,unused-ignore]

        driver = neo4j_store.connect(cfg.neo4j_uri, cfg.neo4j_user, cfg.neo4j_password)
        root.call_on_close(driver.close)
        store: Any = neo4j_store.Neo4jStore(driver, database=cfg.neo4j_database)
    else:
        from graph.store.embedded import EmbeddedStore, open_database

        conn = open_database(cfg.db)
        root.call_on_close(conn.close)
        store = EmbeddedStore(conn)
    store.ensure_schema()
    cfg.store = store
    return store


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
    import shutil
    import tempfile

    from graph import demo as demo_lib
    from graph.neighbourhood import stakeholder_overview
    from viz.views import write_view

    cfg = ctx.find_object(StoreConfig)
    assert cfg is not None
    demo_lib.check_writable(out_dir)
    if cfg.kind == "embedded":
        cfg.db = out_dir / "demo.db"
        demo_lib.fresh_database(cfg.db)
    say = lambda msg: click.echo(msg, err=True)  # noqa: E731
    say(f"stakenet demo: SYNTHETIC data into the {cfg.describe()}")
    store = get_store(ctx)
    staging = Path(tempfile.mkdtemp(prefix=".demo-", dir=out_dir))
    try:
        result = demo_lib.run_demo(
            store, staging, scale=scale, seed=seed, command="stakenet " + " ".join(_effective_argv(ctx)), say=say
        )
        say("drawing the network view ...")
        G = stakeholder_overview(store)
        G.graph["subtitle"] = "SYNTHETIC demo data: generated by stakenet demo, not real organisations. " + str(
            G.graph.get("subtitle") or ""
        )
        page = write_view(G, staging / "network.html", title="Stakeholder network (synthetic demo data)", seed=seed)
        written = []
        for item in sorted(staging.rglob("*")):
            if item.is_file():
                target = out_dir / item.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(item), target)
                written.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    c = result.counts
    net = result.analysis.networks["stakeholder"]
    click.echo("stakenet demo (SYNTHETIC data; no real organisation is named)")
    click.echo(f"  graph: {c.total_nodes:,} nodes, {c.total_rels:,} relationships in the {cfg.describe()}")
    click.echo(
        f"  stakeholder network: {net.nodes:,} organisations, {net.edges:,} ties, "
        f"{len(net.communities)} communities (modularity {net.modularity:.3f})"
    )
    names = dict(store.rows("MATCH (o:Organisation) WHERE o.pagerank IS NOT NULL RETURN o.org_id, o.name"))
    top = ", ".join(f"{names.get(k, k)} ({v:.4f})" for k, v in net.top("pagerank", 3))
    click.echo(f"  top PageRank: {top}")
    click.echo(f"  network view: {page.nodes:,} of {page.nodes + page.omitted:,} nodes drawn")
    click.echo("  timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items()))
    for name in ("report.md", "report.html", "report.json", "network.html"):
        click.echo(f"  wrote {out_dir / name}")
    click.echo(f"  ({len(written)} files in all)")


def _effective_argv(ctx: click.Context) -> list[str]:
    """The options the group and the command ran with (defaults left out), as an argv list."""
    argv: list[str] = []
    for c in (ctx.find_root(), ctx):
        if c is not ctx.find_root():
            argv.append(c.info_name or "")
        for param in c.command.params:
            value = c.params.get(param.name or "")
            if not isinstance(param, click.Option) or value in (None, False) or value == param.default:
                continue
            if "password" in (param.name or ""):
                continue
            argv += [param.opts[0]] if param.is_flag else [param.opts[0], str(value)]
    return argv


@cli.command()
@click.option("--region", metavar="NUTS", help="Add a region profile for this NUTS code (e.g. SE313, Gävleborgs län).")
@click.option("--org", metavar="ORG", help="Add an organisation profile: an org_id, organisation number or exact name.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default="report", show_default=True,
              help="Folder for report.md (+ charts/), report.html and report.json.")
@click.option("--format", "formats", default="md,html,json", show_default=True, help="Comma-separated: md, html, json.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Rows per ranking.")
@click.option("--quiet", is_flag=True, help="Do not print progress on stderr.")
@click.pass_context
def report(ctx: click.Context, region: str | None, org: str | None, out_dir: Path, formats: str, top: int, quiet: bool) -> None:
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
    progress = None if quiet else (lambda step: click.echo(f"report: {step} ...", err=True))
    paths = write_report(
        get_store(ctx), out_dir, formats=chosen, region=region, org=org, top=top,
        command=command_line(_effective_argv(ctx)), progress=progress,
    )
    for path in paths.all():
        click.echo(str(path))


@cli.command("query")
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A $parameter of the query; repeat for several. Typed by the query's header.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--list", "list_queries_", is_flag=True, help="List the questions: name, question, parameters, columns.")
@click.option("--cypher", metavar="TEXT", help="Run this ad-hoc Cypher instead of a named query (read-only).")
@click.option("--write", is_flag=True, help="Let --cypher change the database (otherwise it runs read-only).")
@click.pass_context
def query(
    ctx: click.Context,
    name: str | None,
    params: tuple[str, ...],
    fmt: str,
    list_queries_: bool,
    cypher: str | None,
    write: bool,
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
        result = lib.run_cypher(get_store(ctx), cypher, lib.parse_adhoc_params(params), write=write)
    elif name:
        chosen = lib.get_query(name)
        result = lib.run_query(get_store(ctx), chosen, lib.parse_params(chosen, params))
    else:
        raise click.UsageError("give a query NAME, --cypher TEXT or --list")
    click.echo(lib.format_result(result, fmt))


@cli.command("load")
@click.argument("kind", type=click.Choice(["upphandling", "projektbanken", "nuts"]))
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--value-file", type=click.Path(dir_okay=False, path_type=Path),
              help="upphandling: the contracted-value export, joined on Upphandlings-ID.")
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of the files (e.g. cp1252).")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where rows that cannot be parsed go (CSV)  [default: <kind>-rejects.csv, only when there are any]")
@click.pass_context
def load(ctx: click.Context, kind: str, paths: tuple[Path, ...], value_file: Path | None, encoding: str,
         rejects_path: Path | None) -> None:
    """Load source files (procurement statistics, Projektbanken, NUTS) into the selected store.

    Prints rows loaded and rejected per file, how organisations were identified (organisation
    number, name, renames table) and a data-quality summary. Loading again changes nothing.

    \b
    Example:
      stakenet load nuts ../shared/data/nuts2013.csv
      stakenet load upphandling ../shared/data/se_procurement_2021_awards.csv \\
          --value-file ../shared/data/se_procurement_2021_contracted_value.csv
      stakenet load projektbanken ../shared/data/se_erdf_2014_2020_projektbanken_2016.json
    """
    from graph.load import load_files

    result = load_files(
        get_store(ctx), kind, list(paths), value_file=value_file, encoding=encoding,
        rejects_path=rejects_path or Path(f"{kind}-rejects.csv"),
    )
    for line in result.summary_lines():
        click.echo(line)
