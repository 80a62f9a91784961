"""Headless Debian chromium for the browser tests, via selenium.

drivers() is a context for a maker of drivers, each with a profile of its
own (user-data-dir: no shared cookie), its console kept; every driver is
quit, its process killed by PID and its profile removed at the end.
"""

import contextlib
import os
import shutil
import tempfile

from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync")


def wait_until(driver, condition, seconds=10):
    """A click or get starts a navigation; wait for where it leads, bounded
    (returns condition's first true value)."""
    return WebDriverWait(driver, seconds).until(lambda d: condition(d))


@contextlib.contextmanager
def drivers():
    made = []                               # (driver, pid, profile)

    def make(width=1280, height=1000, user_agent=None):
        profile = tempfile.mkdtemp(prefix="lead-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for flag in FLAGS + (f"--window-size={width},{height}",
                             f"--user-data-dir={profile}"):
            opts.add_argument(flag)
        if user_agent:
            opts.add_argument(f"--user-agent={user_agent}")
        # a PDF is saved into the profile, never opened in a viewer
        opts.add_experimental_option("prefs", {
            "download.default_directory": os.path.join(profile, "dl"),
            "download.prompt_for_download": False,
            "plugins.always_open_pdf_externally": True,
        })
        # the console, to check for script errors and CSP violations
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = webdriver.ChromeService("/usr/bin/chromedriver") \
            if hasattr(webdriver, "ChromeService") else None
        try:
            driver = webdriver.Chrome(options=opts, service=service) \
                if service else webdriver.Chrome(options=opts)
        except Exception:
            shutil.rmtree(profile, ignore_errors=True)
            raise
        made.append((driver, driver.service.process.pid, profile))
        driver.set_page_load_timeout(15)
        return driver

    try:
        yield make
    finally:
        for driver, pid, profile in made:
            try:
                driver.quit()
            except Exception:
                pass
            try:
                os.kill(pid, 9)      # the driver, if quit left it behind
            except ProcessLookupError:
                pass
            shutil.rmtree(profile, ignore_errors=True)
