"""The ``stakenet view`` commands: interactive offline network pages (the only place graph/ reaches viz/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from graph.cli.context import get_store
from graph.text import safe_text


# -- interactive views ------------------------------------------------------------------------------
def _write_view_page(G: Any, out: Path, rerun: str, seed: int, colour: str) -> None:
    """Render ``G`` with viz (imported here: graph/ never imports viz at module level) and report."""
    from viz.views import write_view_page

    for line in write_view_page(G, out, rerun, seed=seed, colour_by=colour):
        click.echo(safe_text(line))


def _view_options(default_max: int) -> Any:
    """The options every view command shares."""

    def decorate(f: Any) -> Any:
        f = click.option("--seed", type=int, default=42, show_default=True, help="Seeds the layout.")(f)
        f = click.option("--colour", type=click.Choice(["type", "community", "role", "tenders"]), default="type", show_default=True,
                         help="Colour nodes by type, community, role (buyer, supplier, beneficiary, partner) or tenders received (procurements; 1 = single bid) at first (the page can switch).")(f)
        f = click.option("--out", type=click.Path(path_type=Path), default=".", show_default=True,
                         help="The page to write: a .html file, or a folder that gets <view>-<id>.html.")(f)
        f = click.option("--max-nodes", type=click.IntRange(min=1), default=default_max, show_default=True,
                         help="Node cap: the nodes nearest the centre are kept; the page says how many were left out.")(f)
        return f

    return decorate


@click.group("view")
def view() -> None:
    """Write interactive network pages (HTML, work offline) to explore in a browser.

    Each page has a legend, a search box that selects a node and highlights its neighbours,
    filters (node type, fund, CPV group, year), colour by type or community, size by PageRank or
    money, and a physics toggle. Views above 1,000 nodes get a precomputed layout.

    \b
    Example:
      stakenet view ego "Region Gävleborg" --out out/
      stakenet view region SE313 --out out/gavleborg.html
    """


@view.command("ego")
@click.argument("org")
@click.option("--depth", type=click.IntRange(min=1, max=4), default=1, show_default=True,
              help="Hops through shared projects and procurements (1: partners, buyers and suppliers).")
@_view_options(500)
@click.pass_context
def view_ego(ctx: click.Context, org: str, depth: int, max_nodes: int, out: Path, colour: str, seed: int) -> None:
    """An organisation (org_id, organisation number or name) and its neighbourhood.

    \b
    Example:
      stakenet view ego "Region Gävleborg" --depth 2 --max-nodes 1500 --out out/
      stakenet view ego 2321000198 --out gavleborg.html
    """
    import shlex

    from graph.neighbourhood import ego

    G = ego(get_store(ctx, write=False), org, depth=depth, max_nodes=max_nodes)
    _write_view_page(G, out, f"stakenet view ego {shlex.quote(org)} --depth {depth}", seed, colour)


@view.command("community")
@click.argument("community_id", metavar="ID", type=int)
@_view_options(1000)
@click.pass_context
def view_community(ctx: click.Context, community_id: int, max_nodes: int, out: Path, colour: str, seed: int) -> None:
    """A Louvain community (from `stakenet analyze`): its organisations and what ties them.

    \b
    Example:
      stakenet analyze
      stakenet view community 3 --out out/
    """
    from graph.neighbourhood import community

    G = community(get_store(ctx, write=False), community_id, max_nodes=max_nodes)
    _write_view_page(G, out, f"stakenet view community {community_id}", seed, colour)


@view.command("region")
@click.argument("nuts", metavar="NUTS")
@_view_options(1500)
@click.pass_context
def view_region(ctx: click.Context, nuts: str, max_nodes: int, out: Path, colour: str, seed: int) -> None:
    """A region (NUTS code or name, sub-regions included): its projects, organisations and markets.

    \b
    Example:
      stakenet view region SE313 --out out/gavleborg.html
      stakenet view region "Gävleborgs län" --max-nodes 3000 --out out/
    """
    import shlex

    from graph.neighbourhood import region

    G = region(get_store(ctx, write=False), nuts, max_nodes=max_nodes)
    _write_view_page(G, out, f"stakenet view region {shlex.quote(nuts)}", seed, colour)


@view.command("market")
@click.option("--buyer", required=True, metavar="ORG", help="The buying organisation: org_id, organisation number or name.")
@click.option("--depth", type=click.IntRange(min=1, max=2), default=1, show_default=True,
              help="2 adds the suppliers' other contracts and their buyers.")
@_view_options(800)
@click.pass_context
def view_market(ctx: click.Context, buyer: str, depth: int, max_nodes: int, out: Path, colour: str, seed: int) -> None:
    """A buyer's supplier market: its procurements and the suppliers that won them.

    \b
    Example:
      stakenet view market --buyer "Region Gävleborg" --out out/
      stakenet view market --buyer 2321000198 --depth 2 --max-nodes 2000 --out market.html
    """
    import shlex

    from graph.neighbourhood import market

    G = market(get_store(ctx, write=False), buyer, depth=depth, max_nodes=max_nodes)
    _write_view_page(G, out, f"stakenet view market --buyer {shlex.quote(buyer)} --depth {depth}", seed, colour)


@view.command("network")
@_view_options(1500)
@click.pass_context
def view_network(ctx: click.Context, max_nodes: int, out: Path, colour: str, seed: int) -> None:
    """The whole stakeholder network, organisations tied directly, capped by PageRank.

    \b
    Example:
      stakenet analyze
      stakenet view network --max-nodes 3000 --colour community --out out/
    """
    from graph.neighbourhood import stakeholder_overview

    G = stakeholder_overview(get_store(ctx, write=False), max_nodes=max_nodes)
    _write_view_page(G, out, "stakenet view network", seed, colour)
