"""Import every model module so that Base.metadata knows all tables (Alembic, tests, create_all)."""
from __future__ import annotations


def import_all_models() -> None:
    from .accounts import models as _accounts  # noqa: F401
    from .audit import models as _audit  # noqa: F401
    from .certificates import models as _certificates  # noqa: F401
    from .courses import models as _courses  # noqa: F401
    from .events import models as _events  # noqa: F401
    from .jobs import models as _jobs  # noqa: F401
    from .org import models as _org  # noqa: F401
    from .pledges import models as _pledges  # noqa: F401
    from .quizzes import models as _quizzes  # noqa: F401
    from .reports import summary_models as _rekap_summary  # noqa: F401
    from .roster import models as _roster  # noqa: F401
