"""The JSON-LD contexts Open Badges are processed with, from files shipped in the package.

``document_loader`` is the only loader handed to PyLD here: it serves the files of ``jsonld/`` (see
its README for where each comes from) and raises ``UnknownContextError`` for any other URL, so
nothing is ever fetched at run time and a credential means the same thing on every server, offline.

PyLD has no "safe mode": a term that no loaded context defines is silently dropped when a document
is expanded, so it would be left out of what a signature covers. ``expand_checked`` expands a
document and raises ``DroppedTermError`` when anything was lost (each scalar of the document must
reach the expanded form) or when a term fell back to a catch-all vocabulary.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CID_V1 = "https://www.w3.org/ns/cid/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"

#: URL -> file in elearn/certificates/jsonld/
CONTEXT_FILES = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-context-3.0.3.json",
    CID_V1: "cid-v1.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
}

#: a term expanded under one of these was not defined by the contexts (VC 2.0 drafts' @vocab)
_CATCH_ALL_VOCABULARIES = ("https://www.w3.org/ns/credentials/issuer-dependent#",)


class UnknownContextError(ValueError):
    """A document asked for a context that is not shipped with elearn (nothing is fetched)."""


class DroppedTermError(ValueError):
    """Expanding a document lost data: a term is not defined by its contexts."""


@lru_cache(maxsize=None)
def context_text(url: str) -> str:
    name = CONTEXT_FILES.get(url)
    if name is None:
        raise UnknownContextError(f"JSON-LD context {url!r} is not shipped with elearn; nothing is fetched")
    return resources.files("elearn.certificates.jsonld").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _parsed(url: str) -> Any:
    return json.loads(context_text(url))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """PyLD document loader: the shipped contexts only."""
    # a fresh copy each time (PyLD may change what it is given); json.loads is faster than deepcopy
    _parsed(url)  # refuses an unknown URL
    # "tag": "static" lets PyLD keep the resolved context in its shared cache (the files never change
    # while the process runs); without it every expansion fetched and re-canonicalised each context
    return {"contextUrl": None, "documentUrl": url, "document": json.loads(context_text(url)), "tag": "static"}


#: our resolved contexts, apart from PyLD's process-wide cache (which other callers' loaders share)
_RESOLVED: dict[str, Any] = {}


def options(**extra: Any) -> dict[str, Any]:
    return {"documentLoader": document_loader, "contextResolver": ContextResolver(_RESOLVED, document_loader),
            **extra}


def _input_scalars(value: Any) -> int:
    """Scalars of a compacted document (outside @context); null is no value in JSON-LD."""
    if isinstance(value, dict):
        return sum(_input_scalars(v) for k, v in value.items() if k != "@context")
    if isinstance(value, list):
        return sum(_input_scalars(v) for v in value)
    return 0 if value is None else 1


def _expanded_scalars(value: Any, found: list[str]) -> int:
    """Scalars that reached an expanded document: each @value, each node @id and @type entry (the
    datatype of a value object is not one of the input's scalars). Records catch-all terms."""
    if isinstance(value, list):
        return sum(_expanded_scalars(v, found) for v in value)
    if not isinstance(value, dict):
        return 0
    if "@value" in value:
        return 1
    count = 0
    for key, item in value.items():
        if key.startswith(_CATCH_ALL_VOCABULARIES):
            found.append(key)
        if key == "@id":
            count += 1
        elif key == "@type":
            count += len(item) if isinstance(item, list) else 1
        else:
            count += _expanded_scalars(item, found)
    return count


def expand_checked(document: dict[str, Any]) -> list[Any]:
    """``jsonld.expand`` with the shipped contexts, refusing a document that loses data on the way."""
    expanded = jsonld.expand(document, options())
    catch_all: list[str] = []
    kept = _expanded_scalars(expanded, catch_all)
    given = _input_scalars(document)
    if catch_all:
        raise DroppedTermError(f"terms not defined by the document's contexts: {sorted(set(catch_all))}")
    if kept != given:
        raise DroppedTermError(f"JSON-LD expansion kept {kept} of the document's {given} values: a term is not "
                               "defined by the document's contexts and would not be signed")
    return expanded


def canonical_nquads(document: dict[str, Any]) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0, PyLD's URDNA2015) as N-Quads, after ``expand_checked``."""
    expanded = expand_checked(document)
    # the expanded form is the same dataset without its contexts: not processing them twice halves the time
    return jsonld.normalize(expanded, options(algorithm="URDNA2015", format="application/n-quads"))
