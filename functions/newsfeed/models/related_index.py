"""What the related-articles index holds (`logic.related.scoring` computes with it; `dal.related_index`
stores it)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from newsfeed.models.article import ArticleCard

Vector = dict[str, float]


@dataclass(frozen=True)
class Posting:
    """An article indexed under a term: its id, its place in indexing order, and the term's weight in it."""

    article_id: str
    seq: int
    weight: float


@dataclass(frozen=True)
class PostingList:
    """A term's newest postings (newest first, at most the read bound), then `beyond`: postings read past
    the bound, which indexing trims away. `complete` when those are all the term has."""

    postings: tuple[Posting, ...] = ()
    complete: bool = True
    beyond: tuple[Posting, ...] = ()


@dataclass(frozen=True)
class Corpus:
    """What the index knows of the archive as a whole."""

    articles: int = 0  # articles indexed now
    length: float = 0.0  # their total length in terms (weighted)
    seq: int = 0  # postings sequence numbers handed out so far

    @property
    def average_length(self) -> float:
        return self.length / self.articles if self.articles > 0 else 0.0


class Signature(BaseModel):
    """What the index keeps of an indexed article: its card (to list it) and what it is compared by."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    card: ArticleCard
    seq: int  # its postings' sequence number
    length: float  # its length in terms, as counted in the corpus
    terms: Vector  # its own vector (the weights of its postings)
    expanded: Vector  # its vector with its neighbours', as published
    listable: bool = True  # False: the article opted out of others' automatic lists (it keeps its own)

    @property
    def id(self) -> str:
        return self.card.id
