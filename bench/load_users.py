"""Locust users for `bench/load_bench.py` (run by it; not meant to be started by hand).

Each simulated person signs in with one of the demo accounts (coordinator, member or administrator of
MAP ORP Vzorov), then reads pages with a think time of 0.5–1.5 s, and now and then signs out and in again.
The ids of the demo group, meetings and flags come from the environment (BENCH_IDS, JSON).
"""

from __future__ import annotations

import json
import os
import random
import re

from locust import HttpUser, between, task

IDS = json.loads(os.environ.get("BENCH_IDS", "{}"))
PASSWORD = os.environ.get("BENCH_PASSWORD", "")
ACCOUNTS = IDS.get("accounts", [])
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Person(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.email = random.choice(ACCOUNTS)
        self.sign_in()

    def _csrf(self, path: str, name: str) -> str | None:
        with self.client.get(path, name=name, catch_response=True) as response:
            match = CSRF.search(response.text or "")
            if response.status_code != 200 or match is None:
                response.failure(f"no form ({response.status_code})")
                return None
            response.success()
            return match.group(1)

    def sign_in(self) -> None:
        token = self._csrf("/sign-in", "sign-in (form)")
        if token is None:
            return
        with self.client.post("/sign-in", name="sign-in (POST)", allow_redirects=False, catch_response=True,
                              data={"csrf_token": token, "email": self.email, "password": PASSWORD}) as r:
            if r.status_code != 302:
                r.failure(f"sign-in answered {r.status_code}")

    def page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task(4)
    def dashboard(self) -> None:
        self.page("/", "dashboard /")

    @task(3)
    def group(self) -> None:
        self.page(f"/groups/{IDS['group']}", "group page")

    @task(3)
    def meetings(self) -> None:
        self.page(f"/groups/{IDS['group']}/meetings", "meeting list")

    @task(4)
    def meeting(self) -> None:
        self.page(f"/meetings/{random.choice(IDS['meetings'])}", "meeting page")

    @task(2)
    def feed(self) -> None:
        self.page(f"/calendar/groups/{IDS['group']}.ics", "calendar feed (group)")

    @task(3)
    def analysis(self) -> None:
        self.page("/analysis/", "analysis overview")

    @task(3)
    def flags(self) -> None:
        self.page("/analysis/flags", "analysis flags")

    @task(2)
    def flag(self) -> None:
        self.page(f"/analysis/flags/{random.choice(IDS['flags'])}", "analysis flag")

    @task(1)
    def account(self) -> None:
        self.page("/account/", "account profile")

    @task(1)
    def calendar_account(self) -> None:
        self.page("/account/calendar", "account calendar")

    @task(1)
    def traits(self) -> None:
        self.page("/account/traits", "account traits")

    @task(2)
    def bare(self) -> None:
        self.page("/bench/bare", "ceiling: bare route")

    @task(1)
    def sign_out_and_in(self) -> None:
        token = self._csrf("/account/", "account profile")
        if token is None:
            return
        with self.client.post("/sign-out", name="sign-out (POST)", data={"csrf_token": token},
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"sign-out answered {response.status_code}")
        self.sign_in()
