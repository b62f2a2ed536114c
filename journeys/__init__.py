"""The bundled example journeys, shipped inside the package as ``journeytui.journeys``.

This folder is the single copy: the repository shows it to people who copy a journey,
and setup.py maps it into the package, so installed copies (``pip install``, pipx,
``uv tool install``) carry the same files. Code finds it through
:func:`journeytui.bundled.bundled_dir`, never by a path relative to the source tree.
"""
