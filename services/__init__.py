"""The five services of the platform; each is a package of the same shape (see STYLE.md)."""
