# Two commands do everything on a fresh machine: `make run` and `make test`.
# DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) switches both to PostgreSQL.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | md5sum | cut -c1-8)
ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)

.PHONY: run test stress setup system-deps browser-deps migrate demo worker lint messages clean

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）。Debian: apt-get install python3.11 python3.11-venv"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# CJK font for PDFs (WenQuanYi Micro Hei: TrueType, subsets ~5x faster than Noto's CFF outlines),
# poppler-utils for pdftotext/pdffonts in tests, gettext for translations.
system-deps:
	@if fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" && command -v pdftotext >/dev/null; then :; \
	elif [ "$(ROOT)" = yes ]; then \
	  echo "安装中文字体和 PDF 工具…"; (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei poppler-utils >/dev/null; \
	else echo "提示：请安装中文字体与 PDF 工具：sudo apt-get install fonts-wqy-microhei poppler-utils（否则 PDF 中文会显示为方框）"; fi

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium).
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$(ROOT)" = yes ]; then \
	  echo "安装 Chromium（浏览器测试用）…"; (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "提示：浏览器测试需要 Chromium：sudo apt-get install chromium（未安装时跳过浏览器测试）"; fi

setup: $(STAMP) system-deps

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --if-empty

run: demo
	@mkdir -p var
	@echo "后台任务进程（大批量导入、批量 PDF）随网站一起启动，日志写在 var/worker.log。"
	$(PY) manage.py db_worker --queue-name "*" >>var/worker.log 2>&1 & WORKER=$$!; \
	trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
	$(PY) manage.py seed_demo --logins && \
	$(PY) manage.py runserver 127.0.0.1:8000

test: setup browser-deps
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test >/dev/null || { echo "有模型改动没有迁移文件"; exit 1; }
	$(PY) -m pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

# The browser tests and the concurrency tests 5 times in a row on SQLite and PostgreSQL, one core kept busy.
stress: setup browser-deps
	ROUNDS=$${ROUNDS:-5} scripts/stress

# ruff (rules and formatting), mypy (types), import-linter (app layers), djhtml (template indentation).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	git ls-files '*.html' | xargs $(VENV)/bin/djhtml --check

messages: setup
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages -l en -l zh_Hans --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 media .test-media staticfiles
