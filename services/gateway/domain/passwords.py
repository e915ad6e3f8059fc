"""Password rules for people's accounts (agency systems use generated client secrets instead).

Length matters more than character classes (NIST SP 800-63B §5.1.1.2); we still ask for a letter and a
digit, refuse passwords that contain the username, and a short list of the most guessed ones.
"""

COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password123",
        "1234567890",
        "12345678910",
        "qwertyuiop",
        "bismillah",
        "indonesia",
        "indonesia1",
        "rahasia123",
        "jakarta123",
        "admin12345",
        "pegawai123",
    }
)


def password_problems(
    password: str, *, username: str, min_length: int, allow_demo: bool = False
) -> list[str]:
    """Why `password` may not be used; empty when it may. `allow_demo` lets the demo seed's known password
    through (development only)."""
    problems = []
    if len(password) < min_length:
        problems.append(f"at least {min_length} characters")
    if len(password) > 256:
        problems.append("at most 256 characters")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append("at least one letter and one digit")
    if username and username.lower() in password.lower():
        problems.append("must not contain the username")
    if password.lower() in COMMON_PASSWORDS and not allow_demo:
        problems.append("too common")
    return problems
