class ProcessViolation(Exception):
    """A refusal by the framework: the rule that refuses and the message a person reads."""

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        self.message = message
        super().__init__(f"{rule}: {message}")
