"""The topics between the services, as docs/architecture.md shows them: generated from the AsyncAPI document
(`kentongan topics-doc`), so the page cannot drift from the events the code publishes."""

import re
from typing import Any

BEGIN = "<!-- topics: generated from docs/asyncapi.json by `kentongan topics-doc`; do not edit by hand -->"
END = "<!-- end of generated topics -->"


def _node(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _flows(asyncapi: dict[str, Any]) -> dict[str, tuple[list[str], list[str]]]:
    """Each channel's (senders, receivers), in the document's order."""
    flows: dict[str, tuple[list[str], list[str]]] = {name: ([], []) for name in asyncapi["channels"]}
    for operation_id, operation in asyncapi["operations"].items():
        service = operation_id.split(".", 1)[0]
        senders, receivers = flows[_ref_name(operation["channel"]["$ref"])]
        (senders if operation["action"] == "send" else receivers).append(service)
    return flows


def topics_markdown(asyncapi: dict[str, Any]) -> str:
    """A flowchart (Mermaid) of who sends what to whom, and a table of the topics with their key and events."""
    messages = asyncapi["components"]["messages"]
    flows = _flows(asyncapi)
    chart = ["```mermaid", "flowchart LR"]
    rows = ["| topic | key | from | to | events |", "|---|---|---|---|---|"]
    for name, channel in sorted(asyncapi["channels"].items(), key=lambda item: item[1]["address"]):
        senders, receivers = flows[name]
        topic = channel["address"]
        chart.append(f"  {_node(name)}([{topic}])")
        chart += [f"  {_node(sender)}[{sender}] --> {_node(name)}" for sender in senders]
        chart += [f"  {_node(name)} --> {_node(receiver)}[{receiver}]" for receiver in receivers]
        events = [messages[_ref_name(ref["$ref"])] for ref in channel["messages"].values()]
        key = events[0]["bindings"]["kafka"]["key"]["description"] if events else ""
        rows.append(f"| `{topic}` | {key.removeprefix('the ')} | {', '.join(senders)} | "
                    f"{', '.join(receivers) or 'no service'} | "
                    + ", ".join(f"`{event['name'].removeprefix('kentongan.')}`" for event in events) + " |")
    chart.append("```")
    return "\n".join([*chart, "", *rows])


def with_topics(doc: str, asyncapi: dict[str, Any]) -> str:
    """`doc` with the text between its BEGIN and END markers replaced by the generated topics."""
    start, end = doc.find(BEGIN), doc.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the page needs the markers {BEGIN!r} and {END!r} around its topics")
    return f"{doc[:start]}{BEGIN}\n{topics_markdown(asyncapi)}\n{doc[end:]}"
