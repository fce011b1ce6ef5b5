"""E-mail through a persistent outbox.

`queue_mail()` adds a message to the current transaction; nothing is sent unless that transaction commits.
After a request that queued mail, the outbox is delivered (inline in tests, in a thread in development and
production); `flask mail send` and `flask mail worker` deliver whatever is still due, retrying with backoff,
so a dead SMTP server delays mail but loses none. Each message is claimed before it is sent, so two
senders never send the same message.
"""

from portal.mailer.outbox import deliver_due, kick_delivery, queue_mail

__all__ = ["deliver_due", "kick_delivery", "queue_mail"]
