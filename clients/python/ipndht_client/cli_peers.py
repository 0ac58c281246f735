"""``ipndht peers ...``: the discovery service's peers."""

from __future__ import annotations

import click

from ipndht.v1 import common_pb2, discovery_pb2
from ipndht_client.cli_context import State, pass_state
from ipndht_client.cli_output import to_jsonable
from ipndht_client.cli_times import format_time

SOURCES = {
    name.removeprefix("PEER_SOURCE_").lower(): number
    for name, number in common_pb2.PeerSource.items()
    if number
}
STATES = {
    name.removeprefix("PEER_STATE_").lower(): number
    for name, number in common_pb2.PeerState.items()
    if number
}
KINDS = {
    name.removeprefix("PEER_EVENT_KIND_").lower(): number
    for name, number in discovery_pb2.PeerEventKind.items()
    if number
}

COLUMNS = ["node id", "address", "source", "state", "score", "rtt ms", "failures", "last seen"]


def peer_row(peer: common_pb2.Peer) -> list[object]:
    return [
        peer.node_id,
        f"{peer.host}:{peer.port}",
        common_pb2.PeerSource.Name(peer.source).removeprefix("PEER_SOURCE_").lower(),
        common_pb2.PeerState.Name(peer.state).removeprefix("PEER_STATE_").lower(),
        round(peer.score, 1),
        round(peer.rtt_ms, 2),
        peer.failures,
        format_time(peer.last_seen_us),
    ]


@click.group()
def peers() -> None:
    """List, watch, add and refresh the discovery service's peers."""


@peers.command(name="list")
@click.option(
    "--source", "sources", multiple=True, type=click.Choice(sorted(SOURCES)), help="Only these."
)
@click.option(
    "--state", "states", multiple=True, type=click.Choice(sorted(STATES)), help="Only these."
)
@click.option(
    "--page-size",
    type=click.IntRange(1, 1000),
    default=1000,
    show_default=True,
    help="Peers fetched per call.",
)
@pass_state
def list_peers(
    state: State, sources: tuple[str, ...], states: tuple[str, ...], page_size: int
) -> None:
    """Known peers, best score first."""
    discovery = state.client("discovery").discovery
    found: list[common_pb2.Peer] = []
    token = ""
    total = 0
    while True:
        page = discovery.list_peers(
            sources=[SOURCES[s] for s in sources],
            states=[STATES[s] for s in states],
            page_size=page_size,
            page_token=token,
        )
        found.extend(page.peers)
        total = page.total
        token = page.next_page_token
        if not token:
            break
    if state.as_json:
        state.output.document({"total": total, "peers": [to_jsonable(p) for p in found]})
        return
    state.output.table(f"{total} peers", COLUMNS, (peer_row(p) for p in found), empty="no peers")


@peers.command()
@click.option(
    "--kind", "kinds", multiple=True, type=click.Choice(sorted(KINDS)), help="Only these."
)
@click.option("--current", is_flag=True, help="Start with one JOINED event per live peer.")
@click.option(
    "--count", type=click.IntRange(min=1), default=None, help="Stop after this many events."
)
@pass_state
def watch(state: State, kinds: tuple[str, ...], current: bool, count: int | None) -> None:
    """Stream peer events until Ctrl-C (JSON lines with --json)."""
    events = state.client("discovery").discovery.watch_peers(
        kinds=[KINDS[k] for k in kinds], include_current=current
    )
    seen = 0
    try:
        for event in events:
            if state.as_json:
                state.output.json_line(to_jsonable(event))
            else:
                kind = discovery_pb2.PeerEventKind.Name(event.kind).removeprefix("PEER_EVENT_KIND_")
                row = peer_row(event.peer)
                state.output.line(
                    f"{format_time(event.at_us)}  {kind.lower():8} {row[1]}  {row[3]}  "
                    f"node {bytes(event.peer.node_id).hex() or '?'}"
                )
            seen += 1
            if count is not None and seen >= count:
                break
    except KeyboardInterrupt:
        pass
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()  # cancels the call


@peers.command()
@click.argument("addresses", nargs=-1, required=True, metavar="HOST:PORT...")
@pass_state
def add(state: State, addresses: tuple[str, ...]) -> None:
    """Add DHT peers by hand; each is pinged once."""
    reply = state.client("discovery").discovery.add_peers(list(addresses))
    if state.as_json:
        state.output.document(to_jsonable(reply))
        return
    state.output.table("added", COLUMNS, (peer_row(p) for p in reply.peers))


@peers.command()
@click.option("--force-dns", is_flag=True, help="Ask the DNS seeds even with enough peers.")
@pass_state
def bootstrap(state: State, force_dns: bool) -> None:
    """Refresh peers from every source now (cache, bootstrap list, DNS seeds)."""
    reply = state.client("discovery").discovery.bootstrap(force_dns=force_dns)
    if state.as_json:
        state.output.document(to_jsonable(reply))
        return
    dns = "DNS seeds asked" if reply.dns_queried else "DNS seeds not asked"
    state.output.table(
        f"{reply.live_peers} live peers after the refresh; {dns}",
        COLUMNS,
        (peer_row(p) for p in reply.peers),
        empty=f"{reply.live_peers} live peers after the refresh; no peers found; {dns}",
    )
