"""Base classes every resource's tests subclass (docs/architecture.md §7)."""


def call_factory(contract, firm, **overrides):
    """Make a row with the contract class's `factory`. Read from the class: a plain function
    stored on a class would be bound to the instance when read from it."""
    factory = type(contract).factory
    if factory is None:
        raise NotImplementedError(f"{type(contract).__name__} sets neither factory nor make")
    return factory(firm, **overrides)
