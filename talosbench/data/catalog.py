"""The dataset catalog: where each dataset comes from, how its raw file is read and how it is preprocessed."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from talosbench.registry import Registry

ML_BASE = "https://files.grouplens.org/datasets/movielens/"
AMAZON_BASE = "https://snap.stanford.edu/data/amazon/productGraph/categoryFiles/"
SNAP_BASE = "https://snap.stanford.edu/data/"

ML_CITATION = (
    "F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and Context. "
    "ACM TiiS 5(4), 19:1-19:19. https://doi.org/10.1145/2827872"
)
AMAZON_CITATION = (
    "Ruining He and Julian McAuley. 2016. Ups and Downs: Modeling the Visual Evolution of Fashion Trends "
    "with One-Class Collaborative Filtering. WWW 2016. Julian McAuley, Christopher Targett, Qinfeng Shi and "
    "Anton van den Hengel. 2015. Image-based Recommendations on Styles and Substitutes. SIGIR 2015."
)
TALOS_REPOSITORY = "https://github.com/cynthia-shengjia/WWW-2026-Talos"
TALOS_COMMIT = "a6b3f89a7ed505c34a16159690d9f36b70737851"
TALOS_BEAUTY = (
    f"https://raw.githubusercontent.com/cynthia-shengjia/WWW-2026-Talos/{TALOS_COMMIT}/"
    "normal_data/IID_Data_Used/Beauty/"
)
TALOS_CITATION = (
    "Talos: Optimizing Top-K Accuracy in Recommender Systems. WWW 2026 (the split is its authors' own: "
    f"{TALOS_REPOSITORY} at commit {TALOS_COMMIT}). The Beauty ratings: " + AMAZON_CITATION
)
GOWALLA_CITATION = (
    "Eunjoon Cho, Seth A. Myers and Jure Leskovec. 2011. Friendship and Mobility: User Movement in "
    "Location-Based Social Networks. KDD 2011."
)


def _frozen(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Recommended:
    """A recommended starting value of one run setting (a ``RunConfig`` field) on one dataset.

    ``protocol`` says what the paper's protocol does instead; ``departure`` is False where the value
    is one the protocol itself uses (a point of its tuning grid), True where it leaves the protocol.
    """

    setting: str
    value: Any
    protocol: str
    departure: bool


@dataclass(frozen=True)
class SplitFile:
    """One file of a ready-made split a catalog dataset is fetched as, pinned by its sha256."""

    part: str
    """The part it holds: ``train``, ``valid``, ``test``; ``train+valid`` for a file that only checks them."""
    url: str
    sha256: str

    @property
    def filename(self) -> str:
        """Name of the downloaded file (the last path segment of the URL)."""
        return self.url.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class DatasetEntry:
    """One catalog dataset: source file, raw format, checksums, and recommended starting settings.

    ``md5`` is the publisher's checksum of the source file, pinned here; ``md5_suffix`` says the
    publisher also serves it beside the file (``<url><suffix>``), which a download fetches and checks.
    ``sha256`` pins a checksum where no publisher gives one; left None, the first download records it.
    ``recommended`` are the starting settings a first ``talosbench train`` on it uses for the options
    the user leaves unset (the run defaults are the paper's protocol, tuned for its large datasets).
    ``split_files`` are the files of a ready-made split (``raw_format`` ``splits``), each fetched and
    checked against its pinned sha256. ``paper_dataset`` names the paper's dataset (and ``paper_scenario``
    its scenario) that this one's ``given`` split is, so ``report --vs-paper`` matches its cells there.
    """

    name: str
    source: str
    url: str | None
    raw_format: str
    preprocess: Mapping[str, Any]
    license: str
    citation: str
    member: str | None = None
    sha256: str | None = None
    md5: str | None = None
    md5_suffix: str | None = None
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=lambda: _frozen({}))
    recommended: tuple[Recommended, ...] = ()
    split_files: tuple[SplitFile, ...] = ()
    paper_dataset: str | None = None
    paper_scenario: str = "iid"
    sizes: tuple[int, int, int] | None = None
    """(users, items, interactions) once prepared with the catalog's preprocessing, known before any
    download: the paper's Table D.1 where it has the dataset, else counted once here (docs/protocol.md
    §6.4); they price a suite's runs before the data is downloaded (``talosbench.bench.cost``)."""

    @property
    def filename(self) -> str | None:
        """Name of the downloaded file (the last path segment of the URL)."""
        return self.url.rsplit("/", 1)[-1] if self.url else None


CATALOG: Registry[DatasetEntry] = Registry("dataset")


def recommended_settings(name: str) -> tuple[Recommended, ...]:
    """The recommended starting settings of dataset ``name``; none for an imported or unknown name."""
    return CATALOG.get(name).recommended if name in CATALOG else ()


def apply_recommended(
    name: str, settings: Mapping[str, Any], given: Collection[str]
) -> tuple[dict[str, Any], tuple[Recommended, ...]]:
    """``settings`` with dataset ``name``'s recommended values for every setting not in ``given``.

    Returns the new settings and the recommendations applied, so the caller can say which values
    came from the dataset rather than from the user or the defaults.
    """
    applied = tuple(r for r in recommended_settings(name) if r.setting not in given)
    return {**settings, **{r.setting: r.value for r in applied}}, applied


# Why: from MF's N(0, 1) start, lr 1e-3 moves cosine scores by about lr / |e| = 1e-3 / 8 per step, far
# too slowly for a small dataset. Measured (SL, MF, 1024 negatives, CPU, test P@20): synthetic 0.071
# after all 200 epochs of the run defaults (the issue saw 0.017 after 50), 0.100 after 16 epochs with
# these settings; movielens-100k 0.062 after 40 epochs at lr 1e-3, 0.227 after 22 at lr 0.1 (Talos
# 0.248 after 12), the level of the paper's Appendix B. The top of the paper's lr grid is within the
# protocol; validating every 2 epochs with patience 3 stops such a short run soon after its best
# point instead of 25 epochs later, a departure.
PAPER_LR = "the paper tunes lr over {0.1, 0.01, 0.001}; run default 0.001"
SHORT_RUN = (
    Recommended("epochs", 40, "the paper's suites cap runs at 1000 epochs; run default 200", True),
    Recommended("eval_every", 2, "the protocol validates every 5 epochs", True),
    Recommended("patience", 3, "the protocol stops after 25 epochs without gain", True),
)


def _add(entry: DatasetEntry) -> None:
    CATALOG.add(entry.name, entry)


_add(
    DatasetEntry(
        name="synthetic",
        source="talosbench's embedded generator",
        url=None,
        raw_format="synthetic",
        preprocess=_frozen(
            {
                "min_rating": None,
                "k_core": 5,
                "n_users": 1000,
                "n_items": 500,
                "n_interactions": 70000,
                "seed": 0,
            }
        ),
        license="MIT (generated by talosbench)",
        citation="talosbench synthetic generator (latent preferences, long tails, drift).",
        description="small drifting implicit-feedback data; trains in seconds on a CPU",
        recommended=(Recommended("lr", 0.1, PAPER_LR, False), *SHORT_RUN),
        sizes=(947, 493, 29_452),  # as prepared with these settings
    )
)
_add(
    DatasetEntry(
        name="movielens-100k",
        source="GroupLens MovieLens 100K",
        url=ML_BASE + "ml-100k.zip",
        member="ml-100k/u.data",
        md5="0e33842e24a9c977be4e0107933c0723",  # GroupLens' ml-100k.zip.md5
        md5_suffix=".md5",
        raw_format="ml-100k",
        preprocess=_frozen({"min_rating": 3.0, "k_core": 10}),
        license="https://files.grouplens.org/datasets/movielens/ml-100k-README.txt",
        citation=ML_CITATION,
        recommended=(Recommended("lr", 0.1, PAPER_LR, False), *SHORT_RUN),
        sizes=(939, 1_016, 80_393),  # as prepared from GroupLens' file
    )
)
_add(
    DatasetEntry(
        name="movielens-1m",
        source="GroupLens MovieLens 1M",
        url=ML_BASE + "ml-1m.zip",
        member="ml-1m/ratings.dat",
        md5="c4d9eecfca2ab87c1945afe126590906",  # GroupLens' ml-1m.zip.md5
        md5_suffix=".md5",
        raw_format="ml-1m",
        preprocess=_frozen({"min_rating": 3.0, "k_core": 10}),
        license="https://files.grouplens.org/datasets/movielens/ml-1m-README.txt",
        citation=ML_CITATION,
    )
)
# Beauty's filter order is the one its paper statistics show (docs/protocol.md §6.3): the reference's
# Beauty data keeps users with 4 interactions, which a k-core run last cannot leave. Nothing the paper
# states shows the order of Games or Electronics, so they keep the default (rating filter first).
AMAZON_ORDER = {"amazon-beauty": {"filter_order": "k-core-first"}}
# The paper's Table D.1 (users, items, interactions).
BEAUTY_SIZES = (15_603, 8_693, 139_554)
for _name, _file, _label, _sizes in [
    ("amazon-beauty", "ratings_Beauty.csv", "Beauty", BEAUTY_SIZES),
    ("amazon-games", "ratings_Video_Games.csv", "Video Games", (18_813, 8_691, 177_572)),
    ("amazon-electronics", "ratings_Electronics.csv", "Electronics", (150_523, 52_024, 1_312_545)),
]:
    _add(
        DatasetEntry(
            name=_name,
            source=f"Amazon product data 2014, {_label} ratings only",
            url=AMAZON_BASE + _file,
            raw_format="amazon-csv",
            preprocess=_frozen({"min_rating": 3.0, "k_core": 5, **AMAZON_ORDER.get(_name, {})}),
            license="https://jmcauley.ucsd.edu/data/amazon/",
            citation=AMAZON_CITATION,
            sizes=_sizes,
        )
    )
_add(
    DatasetEntry(
        name="gowalla",
        source="SNAP Gowalla check-ins",
        url=SNAP_BASE + "loc-gowalla_totalCheckins.txt.gz",
        raw_format="gowalla",
        preprocess=_frozen({"min_rating": None, "k_core": 10}),
        license="https://snap.stanford.edu/data/loc-gowalla.html",
        citation=GOWALLA_CITATION,
        sizes=(29_858, 40_988, 1_027_464),  # Table D.1
    )
)
# The authors' own Beauty split (issue 22): the files their code trains on, one ``user item`` pair a line.
# train.txt is train_data + valid_data (docs/protocol.md §6.1): fetched only to check that it is.
_add(
    DatasetEntry(
        name="amazon-beauty-talos",
        source=f"the paper authors' Beauty split (their repository at commit {TALOS_COMMIT[:12]})",
        url=None,
        raw_format="splits",
        preprocess=_frozen({}),
        license=f"MIT ({TALOS_REPOSITORY}/blob/{TALOS_COMMIT}/LICENSE)",
        citation=TALOS_CITATION,
        description="the paper's Table 3.1 / D.2 Beauty data as its authors split it (scenario given)",
        split_files=tuple(
            SplitFile(part, TALOS_BEAUTY + file, sha256)
            for part, file, sha256 in [
                (
                    "train",
                    "train_data.txt",
                    "2b85bfa1d00e711d4d2e7102f96e46cf900032d8b5022a97f63eb8b58d6e1823",
                ),
                (
                    "valid",
                    "valid_data.txt",
                    "8a449b9e9f5eb18070d7b52399b107e9a456eeb1e978815dccef1b18bc25cfe0",
                ),
                ("test", "test.txt", "61704ebf6c3ada0af7e9429ba5f96b801e1bb0daf5d70daf4fd3442802d3cda6"),
                (
                    "train+valid",
                    "train.txt",
                    "95a47d6687895f61a21c2996fe4242fa8326341923511e377ee1b1504ba6cfe0",
                ),
            ]
        ),
        paper_dataset="amazon-beauty",
        sizes=BEAUTY_SIZES,
    )
)
