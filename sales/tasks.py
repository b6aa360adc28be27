"""Celery tasks of sales: thin, each calling a service (architecture §5.1, §5.7)."""

from celery import shared_task


# A mail server that is down or refuses for a while (smtplib's errors are OSErrors) is tried
# again with growing waits (30 s doubling to 10 min, six times: about 25 minutes), so a sent
# quote's e-mail is not lost.
@shared_task(name="sales.tasks.quote_email_send", autoretry_for=(OSError,), retry_backoff=30,
             retry_backoff_max=600, max_retries=6, retry_jitter=False)
def quote_email_send(*, quote_id: int, to: list[str], message: str, language: str, link: str,
                     kind: str = "sent") -> None:
    """E-mail a quote (sent, or a reminder) with its PDF; queued after the send commits."""
    from sales.quotes.models import Quote
    from sales.quotes.services.sending import quote_email_deliver

    quote = Quote.objects.filter(pk=quote_id).first()
    if quote is None:
        return  # deleted since it was queued
    quote_email_deliver(quote=quote, to=to, message=message, language=language, link=link,
                        kind=kind)


@shared_task(name="sales.tasks.quotes_expire_and_remind")
def quotes_expire_and_remind() -> dict[str, int]:
    """Daily: expire sent/viewed quotes past validUntil, remind those about to (once)."""
    from sales.quotes.services.jobs import quotes_expire, quotes_remind

    expired = quotes_expire(today=None)
    reminded = quotes_remind(today=None)
    return {"expired": len(expired), "reminded": len(reminded)}
