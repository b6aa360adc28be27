"""Foundation figures: document numbers per second, and an API list at 1,000 rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp .venv/bin/python -m bench.foundation
"""

import datetime
import threading

from bench.harness import report, test_database, timed


def main() -> None:
    with test_database():
        from django.db import connection, transaction
        from rest_framework.test import APIClient

        from core import services
        from core.choices import Role
        from core.models import Firm, User

        firm = Firm.objects.create(name="Bench", slug="bench")
        services.settings_row(firm=firm)
        date = datetime.date(2026, 11, 20)

        def number() -> None:
            with transaction.atomic():
                services.sequence_next(firm=firm, document_type="order", date=date)

        single = timed(number, repeat=200)

        # Four writers contending for the same counter row.
        per_thread, threads = 100, 4

        def writer() -> None:
            for _ in range(per_thread):
                number()
            connection.close()

        import time

        started = time.perf_counter()
        workers = [threading.Thread(target=writer) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        contended = (time.perf_counter() - started) / (per_thread * threads)

        admin = services.user_create(firm=firm, actor=None, username="bench-admin",
                                     password="Bench-pass-2026", role=Role.ADMIN)
        User.objects.bulk_create([User(firm=firm, username=f"user{n:04d}", role=Role.FINANCE)
                                  for n in range(999)])
        client = APIClient()
        client.force_authenticate(admin)
        client.get("/api/v1/users")  # warm caches
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get("/api/v1/users", {"limit": 100, "page": 5})
        page = timed(lambda: client.get("/api/v1/users", {"limit": 100, "page": 5}), repeat=20)
        csv = timed(lambda: b"".join(client.get("/api/v1/users", {"format": "csv"})
                                     .streaming_content), repeat=3)
        report("foundation", {
            "sequence_numbers_per_second_one_writer": round(1 / single),
            "sequence_numbers_per_second_four_writers": round(1 / contended),
            "users_list_rows": User.objects.filter(firm=firm).count(),
            "users_list_page_of_100_ms": round(page * 1000, 1),
            "users_list_page_queries": len(queries),
            "users_csv_export_1000_rows_ms": round(csv * 1000, 1),
        })


if __name__ == "__main__":
    main()
