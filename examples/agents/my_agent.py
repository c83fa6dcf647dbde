"""The user guide's local agent: ``agent_id="my_agent"``, ``entrypoint_tag="process"``."""


def process(input: str, user: str = "developer") -> str:
    """Process input and return result."""
    return f"Processed: {input} for {user}"
