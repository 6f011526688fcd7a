"""The pair's status machine: one table, asked by the services and the templates."""
from blueprints.core.states import Transition, machine

PAIR_MACHINE = machine(
    Transition("complete", ("active",), "completed", actor="staff"),
    Transition("end", ("active",), "ended", actor="staff", needs_reason=True),
)
