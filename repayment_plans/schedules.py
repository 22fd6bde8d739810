"""Default schedules of negotiation, installed into django-celery-beat by a migration."""

NEGOTIATION_SCHEDULES = [
    # (name, task, every N seconds, kwargs)
    ("Evaluate promises to pay", "repayment_plans.evaluate_promises", 60 * 60, {}),
    ("Check repayment plans", "repayment_plans.check_plans", 60 * 60, {}),
    ("Send instalment reminders", "repayment_plans.send_instalment_reminders", 60 * 60, {}),
]
