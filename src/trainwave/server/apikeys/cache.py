def forget_user_keys(user_id: str) -> None:
    """Drop cached verifications of the user's keys (placeholder)."""
