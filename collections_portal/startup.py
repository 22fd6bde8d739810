"""Once a server or worker process has loaded the application, its objects are there to stay."""

import gc


def startup_objects_freeze() -> None:
    """Move every object loaded so far out of the garbage collector's reach (`gc.freeze`).

    Django, the apps, the URLconf and the models make a few hundred thousand long-lived objects. Left
    in the collector's generations, each full collection walks them all again: a 1,000-item ingest
    batch, which allocates rows by the thousand, would spend about a sixth of its Python time there.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - load the URLconf (and the views it imports) now
    gc.collect()
    gc.freeze()
