"""Start-up helpers run inside the embedded interpreter by viewcheck-oracle.

Compiled into the Rust crate (include_str!) and used once per process, before
NumPy is imported: they report what the embedded interpreter is, put a chosen
environment's site-packages on sys.path, and import NumPy.
"""

import importlib
import sys


def embedded_info():
    """Facts about the embedded interpreter itself."""
    import sysconfig

    numpy = sys.modules.get("numpy")
    return {
        "version": "%d.%d.%d" % sys.version_info[:3],
        "major": sys.version_info[0],
        "minor": sys.version_info[1],
        "prefix": sys.base_prefix,
        "bindir": sysconfig.get_config_var("BINDIR") or "",
        "numpy_loaded": getattr(numpy, "__version__", None) if numpy else None,
    }


def installed_numpy_version():
    """Version of the numpy distribution visible on sys.path now, or None."""
    try:
        import importlib.metadata as metadata

        return metadata.version("numpy")
    except Exception:
        return None


def add_site_dirs(dirs):
    """Put ``dirs`` (processing their .pth files) on sys.path.

    They go where a virtual environment's site-packages would be: after the
    standard library, before the embedded interpreter's own site-packages.
    """
    import site

    before = list(sys.path)
    for d in dirs:
        site.addsitedir(d)
    added = [p for p in sys.path if p not in before]
    at = next(
        (i for i, p in enumerate(before) if "site-packages" in p or "dist-packages" in p),
        len(before),
    )
    sys.path[:] = before[:at] + added + before[at:]
    importlib.invalidate_caches()
    return added


def import_numpy():
    """Import NumPy; return (version, location)."""
    import numpy

    return numpy.__version__, getattr(numpy, "__file__", "") or ""
