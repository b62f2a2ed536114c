"""The Textual app: the journey designer (``journeytui edit``). The only package that imports Textual."""
