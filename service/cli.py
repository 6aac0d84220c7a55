"""The ``rengang`` console command."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Annotated

import typer

from matching.enums import Role

app = typer.Typer(help="人岗 rengang: 公共就业服务人岗匹配", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库 database", no_args_is_help=True)
keys_app = typer.Typer(help="API 密钥 keys", no_args_is_help=True)
users_app = typer.Typer(help="经办人员账号 users", no_args_is_help=True)
index_app = typer.Typer(help="索引 indexes", no_args_is_help=True)
eval_app = typer.Typer(help="评测 evaluation", no_args_is_help=True)
import_app = typer.Typer(help="批量导入 import", no_args_is_help=True)
rules_app = typer.Typer(help="政策规则文件 subsidy rules", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(index_app, name="index")
app.add_typer(eval_app, name="eval")
app.add_typer(import_app, name="import")
app.add_typer(rules_app, name="rules")


@rules_app.command("check")
def rules_check(paths: Annotated[list[Path], typer.Argument(help="规则文件（.yaml）或其所在目录")]) -> None:
    """检查政策规则文件：逐条读取并校验，有误时指出文件和行号（退出码 1）。"""
    from matching.rules import RuleFileError, load_rules

    failed = False
    for path in paths:
        if not path.exists():
            typer.echo(f"{path}: 文件不存在", err=True)
            failed = True
            continue
        try:
            loaded = load_rules(path)
        except RuleFileError as exc:
            typer.echo(f"✗ {exc}", err=True)
            failed = True
            continue
        regions = sorted({f"{r.region_name}（{r.region_code}）" for r in loaded.rules})
        typer.echo(f"✓ {path}：{len(loaded.rules)} 条规则，{'、'.join(regions) or '无'}")
    raise typer.Exit(1 if failed else 0)


def _settings():
    from service.settings import get_settings

    return get_settings()


def _session():
    from service import db

    settings = _settings()
    db.upgrade(settings.resolved_database_url)
    engine = db.make_engine(settings.resolved_database_url)
    return db.make_session_factory(engine)()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="监听地址")] = None,
    port: Annotated[int | None, typer.Option(help="端口")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=256, help="API 进程数（默认：本机核数）")] = None,
    embed_workers: Annotated[int, typer.Option(min=0, max=64, help="嵌入进程数（0：不在本机嵌入）")] = 1,
) -> None:
    """Start N API processes (index replicas following the change log) and the embedding workers.

    Each API process loads the newest index snapshot (memory-mapped, shared) and follows the database's change
    log; embedding workers run as processes of their own at a low CPU priority. With more than one API process
    each listens on a socket of its own on the same port (``SO_REUSEPORT``): the kernel spreads new connections
    evenly between them, where one shared socket let whichever process was idle take a burst of keep-alive
    connections (measured: all 32 of a load on one process of two). A process that dies is started again.
    """
    import signal
    import sys
    import threading

    import uvicorn

    from service import db, metrics
    from service.edge import json_protocol

    settings = _settings()
    db.upgrade(settings.resolved_database_url)  # once, before the processes start
    n = workers or os.cpu_count() or 1
    host, port = host or settings.host, port or settings.port
    metrics.prepare_multiprocess_dir(settings.var_dir / "metrics")
    os.environ["RENGANG_EMBED_IN_PROCESS"] = "false"
    if embed_workers and "RENGANG_SNAPSHOT_SAVER" not in os.environ:
        # Building a snapshot reads every record: a worker does it at its low priority, not a serving process.
        os.environ["RENGANG_SNAPSHOT_SAVER"] = "worker"
    from service.settings import get_settings

    get_settings.cache_clear()  # with --workers 1 the app is built in this process: from these settings
    embedders = _Supervisor([sys.executable, "-m", "service.cli", "worker"], embed_workers, "嵌入进程")
    embedders.start()
    try:
        if n == 1:
            uvicorn.run("service.app:create_app", factory=True, host=host, port=port, log_level=settings.log_level,
                        log_config=_log_config(settings.log_level), access_log=False, http=json_protocol())
            return
        _listen(host, port).close()  # the port is free (or ours to share): fail here, not in N restart loops
        api = _Supervisor([sys.executable, "-m", "service.cli", "api-process", "--host", host, "--port", str(port)],
                          n, "API 进程")
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        api.start()
        typer.echo(f"{n} 个 API 进程监听 {host}:{port}", err=True)
        stop.wait()
        api.stop()
    finally:
        embedders.stop()


def _listen(host: str, port: int):
    """A listening TCP socket on ``host:port`` that other processes may share (``SO_REUSEPORT``)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise typer.BadParameter(f"无法监听 {host}:{port}：{e.strerror}") from e
    sock.listen(2048)
    return sock


@app.command("api-process", hidden=True)
def api_process(host: Annotated[str, typer.Option()], port: Annotated[int, typer.Option()]) -> None:
    """One API process of ``serve``, on a socket of its own shared with its siblings (``SO_REUSEPORT``)."""
    import uvicorn

    from service.edge import json_protocol

    settings = _settings()
    config = uvicorn.Config("service.app:create_app", factory=True, host=host, port=port,
                            log_level=settings.log_level, log_config=_log_config(settings.log_level),
                            access_log=False, http=json_protocol())
    uvicorn.Server(config).run(sockets=[_listen(host, port)])


class _Supervisor:
    """``count`` processes running ``argv`` beside ``serve``: each started again if it dies, all stopped at the end."""

    def __init__(self, argv: list[str], count: int, label: str):
        import threading

        self.argv, self.count, self.label = argv, count, label
        self.processes: list = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)

    def _spawn(self):
        import subprocess

        return subprocess.Popen(self.argv)

    def start(self) -> None:
        self.processes = [self._spawn() for _ in range(self.count)]
        if self.count:
            self._thread.start()

    def _watch(self) -> None:
        from service import metrics

        while not self._stop.wait(1.0):
            for i, proc in enumerate(self.processes):
                if proc.poll() is not None and not self._stop.is_set():
                    typer.echo(f"{self.label} {proc.pid} 已退出（{proc.returncode}），重新启动", err=True)
                    metrics.process_exited(proc.pid)
                    self.processes[i] = self._spawn()

    def stop(self) -> None:
        import signal
        import subprocess

        self._stop.set()
        for proc in self.processes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@app.command()
def worker(
    batch: Annotated[int | None, typer.Option(min=1, max=4096, help="每批认领的记录数")] = None,
    once: Annotated[bool, typer.Option(help="嵌入完队列中已有的记录后退出")] = False,
) -> None:
    """An embedding worker: claims records waiting for their vector, embeds them, stores the vectors.

    Runs anywhere that reaches the database (another machine, a GPU one); any number on PostgreSQL.
    """
    import logging
    import signal
    import threading

    from concurrent.futures import ThreadPoolExecutor

    from service import db, metrics
    from service.engine import load_service_embedder
    from service.worker import EmbeddingWorker, set_thread_cpu_priority

    settings = _settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    db.upgrade(settings.resolved_database_url)
    factory = db.make_session_factory(db.make_engine(settings.resolved_database_url))
    # The model is imported and loaded at the embedding's CPU priority too: after a crash, the API processes
    # starting beside this one get the CPU first and answer sooner.
    with ThreadPoolExecutor(1, initializer=set_thread_cpu_priority, initargs=(settings.embed_cpu_priority,)) as pool:
        embedder = pool.submit(load_service_embedder, settings).result()
    embed = EmbeddingWorker(settings=settings, session_factory=factory, embedder=embedder, batch=batch,
                            on_embedded=metrics.embedded, saves_snapshots=settings.snapshot_saver == "worker")
    if once:
        embed.queue_missing()
        done = embed.drain()
        typer.echo(f"嵌入 {embed.stats.embedded} 条，完成队列 {done} 条")
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    logging.getLogger("rengang.worker").info("embedding worker %s started (%s, CPU priority %s)", embed.name,
                                             embed.model_id, settings.embed_cpu_priority)
    embed.run(stop)


def _log_config(level: str) -> dict:
    """uvicorn's logging, with the service's loggers on its console handler and its own access log off.

    uvicorn's access log writes each request's path with its query string (``?phone=…``); the service's
    (``rengang.access``, :mod:`service.access_log`) writes the route template and record ids instead.
    """
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["rengang"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    config["loggers"]["uvicorn.access"] = {"handlers": [], "level": "WARNING", "propagate": False}
    return config


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    from service import db

    url = _settings().resolved_database_url
    db.upgrade(url)
    typer.echo(f"数据库已是最新结构: {url.split('@')[-1]}")


@db_app.command("mask-free-text")
def db_mask_free_text() -> None:
    """Mask ID numbers and mobile numbers in free text stored before they were masked on write."""
    from sqlalchemy import text

    from service.stored_text import mask_stored

    with _session() as session:
        changed = mask_stored(session)
        if session.get_bind().dialect.name == "sqlite":
            with session.get_bind().connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM"))  # the old pages too
    for table, count in changed.items():
        if count:
            typer.echo(f"{table}: {count}")
    typer.echo(f"已遮盖 {sum(changed.values())} 条记录中的身份证号和手机号。")


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="app | kiosk | officer | admin")],
    region: Annotated[str | None, typer.Option(help="经办人员的管辖区划前缀，如 5101")] = None,
    name: Annotated[str, typer.Option(help="备注")] = "",
    fair: Annotated[int | None, typer.Option(help="自助机密钥绑定的招聘会 id")] = None,
) -> None:
    """Create an API key; the token is printed once and only its hash is kept."""
    from service.errors import AppError
    from service.usecases.keys import create_key

    with _session() as session:
        try:
            key, token = create_key(session, role=role, region_prefix=region, name=name, fair_id=fair)
        except AppError as e:
            typer.echo(f"错误：{e.detail}", err=True)
            raise typer.Exit(2) from None
    typer.echo(token)
    typer.echo(f"key_id={key.key_id} role={key.role} region={key.region_prefix or '-'} fair={key.fair_id or '-'}",
               err=True)


@keys_app.command("list")
def keys_list() -> None:
    """List keys (ids and roles only)."""
    from service import repository as repo

    with _session() as session:
        for key in repo.list_api_keys(session):
            state = "revoked" if key.revoked_at else "active"
            typer.echo(f"{key.key_id}\t{key.role}\t{key.region_prefix or '-'}\t{state}\t{key.name}")


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke a key by its id."""
    from service.usecases.keys import revoke_key

    with _session() as session:
        if not revoke_key(session, key_id=key_id):
            typer.echo("没有这个有效密钥", err=True)
            raise typer.Exit(1)
    typer.echo(f"已吊销 {key_id}")


def _read_password(confirm: bool = True) -> str:
    """A password typed at a hidden prompt (twice), or the first line of stdin when it is not a terminal
    (``printf '%s\\n' "$PW" | rengang users create …``): never an argument, which other users of the machine and
    the shell history would see."""
    import getpass
    import sys

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("密码：")
    if confirm and getpass.getpass("再次输入密码：") != password:
        typer.echo("错误：两次输入的密码不一致", err=True)
        raise typer.Exit(2)
    return password


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Option("--name", help="登录用户名（3–24 位小写字母、数字或 . _ -）")],
    region: Annotated[str | None, typer.Option(help="管辖区划前缀，如 5101（经办人员必填）")] = None,
    display_name: Annotated[str, typer.Option("--display-name", help="姓名（显示用）")] = "",
    role: Annotated[str, typer.Option(help="officer（经办人员）或 admin（管理员）")] = "officer",
) -> None:
    """Create an officer account; the password is prompted for (or read from stdin), never given as an option."""
    from service.accounts.usecases import create_account
    from service.errors import AppError

    if role not in (Role.officer.value, Role.admin.value):
        raise typer.BadParameter("只能是 officer 或 admin", param_hint="--role")
    password = _read_password()
    with _session() as session:
        try:
            account = create_account(session, username=name, password=password, region_prefix=region,
                                     role=Role(role), display_name=display_name, created_by="cli")
        except AppError as e:
            typer.echo(f"错误：{e.detail}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"已创建账号 {account.username}（{account.role}，管辖 {account.region_prefix or '全部地区'}）")


@users_app.command("list")
def users_list() -> None:
    """List accounts (never their passwords or hashes)."""
    from service.accounts.usecases import list_accounts

    with _session() as session:
        for a in list_accounts(session):
            state = "disabled" if a.disabled_at else "active"
            last = a.last_login_at.isoformat(timespec="minutes") if a.last_login_at else "-"
            typer.echo(f"{a.username}\t{a.role}\t{a.region_prefix or '-'}\t{state}\t{last}\t{a.display_name}")


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument(help="用户名")]) -> None:
    """Disable an account: it can no longer sign in and its sessions end now."""
    from datetime import UTC, datetime

    from service.accounts.usecases import disable_account
    from service.errors import AppError

    with _session() as session:
        try:
            disable_account(session, username=name, now=datetime.now(UTC), by="cli")
        except AppError as e:
            typer.echo(f"错误：{e.detail}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"已停用 {name}")


@users_app.command("password")
def users_password(name: Annotated[str, typer.Argument(help="用户名")]) -> None:
    """Set a new password (prompted or from stdin); the account's open sessions end."""
    from datetime import UTC, datetime

    from service.accounts.usecases import set_password
    from service.errors import AppError

    password = _read_password()
    with _session() as session:
        try:
            set_password(session, username=name, password=password, now=datetime.now(UTC), by="cli")
        except AppError as e:
            typer.echo(f"错误：{e.detail}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"已为 {name} 设置新密码")


@app.command()
def seed(
    employers: Annotated[int, typer.Option(help="用人单位数")] = 200,
    jobs: Annotated[int, typer.Option(help="岗位数")] = 2000,
    seekers: Annotated[int, typer.Option(help="求职者数")] = 500,
    random_seed: Annotated[int, typer.Option("--seed", help="随机种子")] = 20261122,
    keys_file: Annotated[Path | None, typer.Option(help="演示密钥写入的文件（默认 var/demo-keys.env）")] = None,
) -> None:
    """Fill an EMPTY database with generated demo data (every record marked is_demo) and demo keys."""
    from service.seed import seed_demo

    settings = _settings()
    with _session() as session:
        result = seed_demo(session, settings=settings, n_employers=employers, n_jobs=jobs, n_seekers=seekers,
                           random_seed=random_seed)
    if result is None:
        typer.echo("数据库中已有数据，未写入演示数据。")
        return
    path = keys_file or settings.var_dir / "demo-keys.env"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        for name, token in result.keys.items():
            f.write(f"RENGANG_{name.upper()}_KEY={token}\n")
        for username, password in result.accounts.items():  # sign in to /console/ with these
            f.write(f"RENGANG_DEMO_CONSOLE_USER={username}\nRENGANG_DEMO_CONSOLE_PASSWORD={password}\n")
    typer.echo(json.dumps(result.counts, ensure_ascii=False))
    typer.echo(f"演示密钥已写入 {path}")
    rules_dir = settings.rules_dir or settings.var_dir / "rules"
    if rules_dir.suffix != ".yaml" and not any(rules_dir.glob("*.yaml")):
        # 政策找人 on today's date: the shipped rules' periods have ended; this one is marked 【示例】 throughout
        from matching.rules import RULES_DIR

        rules_dir.mkdir(parents=True, exist_ok=True)
        for example in sorted((RULES_DIR.parent / "examples").glob("*.yaml")):
            part = rules_dir / f".{example.name}.part"  # a half-written rule file would stop the service
            shutil.copyfile(example, part)
            os.replace(part, rules_dir / example.name)
        typer.echo(f"示例政策规则（非真实政策）已写入 {rules_dir}，正式使用前请删除并换成本地现行规则")


@index_app.command("rebuild")
def index_rebuild() -> None:
    """Embed every record waiting for its vector, then save fresh index snapshots from the stored vectors.

    A running service picks the snapshots up by itself (its replicas swap to a newer snapshot).
    """
    from tqdm import tqdm

    from service import db, repository_changes
    from service.engine import load_service_embedder
    from service.replica import Replica
    from service.worker import EmbeddingWorker

    settings = _settings()
    db.upgrade(settings.resolved_database_url)
    factory = db.make_session_factory(db.make_engine(settings.resolved_database_url))
    embedder = load_service_embedder(settings)
    embed = EmbeddingWorker(settings=settings, session_factory=factory, embedder=embedder, batch=256)
    embed.queue_missing()
    with factory() as session:
        total = sum(repository_changes.pending_counts(session).values())
    with tqdm(total=total, desc="嵌入", unit="条", disable=not total) as bar:
        while n := embed.run_once():
            bar.update(n)
    replica = Replica(settings=settings, session_factory=factory, model_id=embedder.model_id, dim=embedder.dim)
    for kind in ("job", "seeker"):
        base = replica.build_base(kind)
        replica.save_base(kind, base)
        typer.echo(f"{kind}: 索引 {len(base.index)} 条（{base.index.spec.describe()}），变更序号 {base.seq}")
    typer.echo(f"新嵌入 {embed.stats.embedded} 条")


IMPORT_BATCH = 500


class _Refused(Exception):
    """A record the import refuses: its line in the file, the field (if one) and a Chinese message."""

    def __init__(self, line: int, field: str | None, message: str):
        super().__init__(message)
        self.line, self.field, self.message = line, field, message

    def __str__(self) -> str:
        return f"第 {self.line} 行" + (f" {self.field}" if self.field else "") + f"：{self.message}"


def _read_records(text: str) -> tuple[list[tuple[int, object]], _Refused | None]:
    """(line, value) of each record of JSON Lines or a JSON array, up to a syntax error (returned, not raised)."""
    text = text.removeprefix("\ufeff")
    start = len(text) - len(text.lstrip())
    records: list[tuple[int, object]] = []
    if not text.startswith("[", start):
        for line, raw in enumerate(text.splitlines(), start=1):
            if raw.strip():
                try:
                    records.append((line, json.loads(raw)))
                except json.JSONDecodeError as e:
                    return records, _Refused(line, None, f"不是有效的 JSON（{e.msg}，第 {e.colno} 列）")
        return records, None
    decoder, pos, line, counted = json.JSONDecoder(), start + 1, 1, 0

    def skip(at: int) -> int:
        while at < len(text) and text[at].isspace():
            at += 1
        return at

    def line_at(at: int) -> int:
        nonlocal line, counted
        line, counted = line + text.count("\n", counted, at), at
        return line

    pos = skip(pos)
    if text.startswith("]", pos):
        return records, None
    while True:
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            return records, _Refused(e.lineno, None, f"不是有效的 JSON（{e.msg}）")
        records.append((line_at(pos), value))
        pos = skip(end)
        if text.startswith(",", pos):
            pos = skip(pos + 1)
        elif text.startswith("]", pos) and skip(pos + 1) == len(text):
            return records, None
        else:
            return records, _Refused(line_at(pos), None, "JSON 数组格式错误：缺少逗号、右方括号，或其后还有内容")


def _job_create(line: int, value: object):
    from pydantic import ValidationError

    from service.error_handlers import validation_body
    from service.schemas import JobCreate

    if not isinstance(value, dict):
        raise _Refused(line, None, "每条记录应为一个 JSON 对象")
    try:
        return JobCreate.model_validate(value)
    except ValidationError as e:
        body = validation_body(e.errors())
        raise _Refused(line, body["field"], body["errors"][0]["message"]) from None


def _refusals(error, lines: list[int]) -> list[_Refused]:
    """A refused create_many as one _Refused per problem, in file order (fields are ``items.{index}.{field}``)."""
    listed = error.body().get("errors") or [{"field": error.field, "message": error.detail}]
    refused = []
    for entry in listed:
        named = (entry["field"] or "").split(".", 2)
        if len(named) < 3 or named[0] != "items":  # not about one record, e.g. a write racing ours
            return [_Refused(lines[0], None, f"{entry['message']}（第 {lines[0]}–{lines[-1]} 行这一批）")]
        message = entry["message"]
        if "duplicate_of" in entry:  # the message names the earlier item by its index in the batch; say its line
            message = f"与第 {lines[entry['duplicate_of']]} 行的用人单位、标题和描述相同"
        refused.append(_Refused(lines[int(named[1])], named[2], message))
    return sorted(refused, key=lambda r: r.line)


@import_app.command("jobs")
def import_jobs(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="JSON Lines（每行一个岗位，字段同 POST /api/v1/jobs）或 JSON 数组")],
    all_or_nothing: Annotated[bool, typer.Option(
        "--all-or-nothing", help="先校验整个文件：全部有效才写入（一个事务），否则一条不写")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=1000, help="每批条数，每批一个事务")] = IMPORT_BATCH,
) -> None:
    """批量导入岗位 Import job postings as an administrator, checked as POST /api/v1/jobs/bulk checks them.

    Written in batches, one transaction each. At the first invalid record the import stops and prints its line
    number, field and reason (第 N 行 字段：原因).

    Every record before that line has been committed, none from it on: fix it and import the rest of the file.

    --all-or-nothing checks the whole file first, lists every invalid line, and writes in one transaction or not
    at all. Exit status 1 when anything was refused.

    A running service's matching index takes the new postings in at its next start or `rengang index rebuild`.
    """
    from tqdm import tqdm

    from service.security import PiiCipher, Principal
    from service.usecases.common import Context

    try:
        records, broken = _read_records(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        typer.echo("文件不是 UTF-8 编码", err=True)
        raise typer.Exit(2) from None
    settings = _settings()
    with _session() as session, tqdm(total=len(records) + (broken is not None), unit="条", desc="岗位",
                                     disable=None) as bar:
        ctx = Context(session=session, principal=Principal(key_id="cli-import", role=Role.admin),
                      cipher=PiiCipher(settings.secret()))
        if all_or_nothing:
            imported, refused = _import_whole(ctx, records, broken, bar)
        else:
            imported, refused = _import_in_batches(ctx, records, broken, batch_size, bar)
    for refusal in refused[:20]:
        typer.echo(str(refusal), err=True)
    if len(refused) > 20:
        typer.echo(f"……另有 {len(refused) - 20} 处错误", err=True)
    if refused and all_or_nothing:
        typer.echo("未导入任何岗位。", err=True)
    elif refused:
        before = f"已导入 {imported} 个岗位（第 {refused[0].line} 行之前的全部记录）" if imported else "未导入任何岗位"
        typer.echo(f"{before}；第 {refused[0].line} 行及之后的记录未导入。", err=True)
    else:
        typer.echo(f"已导入 {imported} 个岗位。")
    if refused:
        raise typer.Exit(1)


def _write(ctx, batch: list[tuple[int, object]]) -> tuple[int, _Refused | None]:
    """Write one batch through create_many; if refused, write the records before the first refused one."""
    from service.errors import AppError
    from service.usecases import jobs

    refusal = None
    while batch:
        try:
            jobs.create_many(ctx, items=[data for _line, data in batch])
            return len(batch), refusal
        except AppError as e:
            refusal = _refusals(e, [line for line, _data in batch])[0]
            batch = [(line, data) for line, data in batch if line < refusal.line]
    return 0, refusal


def _import_in_batches(ctx, records, broken, batch_size, bar) -> tuple[int, list[_Refused]]:
    imported, batch = 0, []
    for line, value in records:
        try:
            batch.append((line, _job_create(line, value)))
        except _Refused as refusal:
            broken = refusal
            break
        if len(batch) == batch_size:
            written, refusal = _write(ctx, batch)
            imported, batch = imported + written, []
            bar.update(written)
            if refusal:
                return imported, [refusal]
    written, refusal = _write(ctx, batch)
    bar.update(written)
    return imported + written, [r for r in (refusal or broken,) if r]


def _import_whole(ctx, records, broken, bar) -> tuple[int, list[_Refused]]:
    from service.errors import AppError
    from service.usecases import jobs

    checked, refused = [], []
    for line, value in records:
        try:
            checked.append((line, _job_create(line, value)))
        except _Refused as refusal:
            refused.append(refusal)
        bar.update(1)
    if broken:
        refused.append(broken)
    if refused or not checked:
        return 0, refused
    try:
        created = jobs.create_many(ctx, items=[data for _line, data in checked])
    except AppError as e:
        return 0, _refusals(e, [line for line, _data in checked])
    return len(created), []


@eval_app.command("occupations")
def eval_occupations(
    path: Annotated[Path, typer.Argument(help="CSV: job_name,expected_code,expected_name")] = Path(
        "matching/data/eval/occupation_titles_dev.csv"),
    lexical_only: Annotated[bool, typer.Option(help="不用向量，只用词法匹配")] = False,
    seed: Annotated[int, typer.Option(help="分半的随机种子（前一半调参，后一半检验）")] = 16,
) -> None:
    """Top-1/top-5 accuracy of occupation coding at 细类, 小类 and 中类 level, on the whole set and on its two
    halves (split with a fixed seed: tune on the first, check on the second), and the time per title."""
    import time

    from matching.occupations import OccupationCoder, evaluate, load_eval_csv, split_halves

    rows = load_eval_csv(path)
    if lexical_only:
        coder = OccupationCoder()
    else:
        from indexes import set_search_threads
        from service.engine import load_service_embedder

        settings = _settings()
        # numpy's BLAS threads capped as in an API process: left free, they spin against the model's threads
        # after every product and one title takes about 250 ms instead of 17 on 2 cores.
        set_search_threads(settings.search_threads)
        embedder = load_service_embedder(settings)
        coder = OccupationCoder.with_embedder(embedder, cache_dir=settings.resolved_models_dir / "cache")
    coder.warm_up()
    first, second = split_halves(rows, seed=seed)
    started = time.perf_counter()
    results = {"all": evaluate(coder, rows)}
    batch_ms = 1000 * (time.perf_counter() - started) / max(len(rows), 1)
    results["half 1"] = evaluate(coder, first)
    results["half 2"] = evaluate(coder, second)
    sample = rows[:50]
    started = time.perf_counter()
    for row in sample:
        coder.code(row.job_name)
    single_ms = 1000 * (time.perf_counter() - started) / max(len(sample), 1)
    typer.echo(f"n = {len(rows)} (half 1: {len(first)}, half 2: {len(second)}, seed {seed})")
    typer.echo("set\tlevel\ttop1\ttop5")
    for name, result in results.items():
        for level in ("细类", "小类", "中类"):
            typer.echo(f"{name}\t{level}\t{result[level]['top1']:.3f}\t{result[level]['top5']:.3f}")
    typer.echo(f"ms per title: {single_ms:.1f} one at a time, {batch_ms:.1f} in batches")


@eval_app.command("matching")
def eval_matching(
    directories: Annotated[list[Path] | None, typer.Argument(
        help="其他评测集目录（postings.jsonl, seekers.jsonl, qrels.tsv, 可选 queries.jsonl）；不给则用 --set")] = None,
    set_names: Annotated[list[str] | None, typer.Option("--set", help="matching_dev / realistic，可重复；默认两个都跑")] = None,
    k: Annotated[int, typer.Option(help="每个查询取前 k 个岗位")] = 10,
    json_path: Annotated[Path | None, typer.Option("--json", help="把各项指标写成 JSON 文件")] = None,
) -> None:
    """nDCG@10, P@5 (grade ≥ 2) and MRR of the service beside plain dense cosine and BM25 (same candidates), per set
    and per query category, through the real pipeline."""
    from service.engine import load_service_embedder
    from service.evaluation import CEILING, SETS, SYSTEMS, evaluate_matching, set_directory

    settings = _settings()
    targets = [(d.name, d) for d in directories or []]
    if not targets:
        names = set_names or list(SETS)
        try:
            targets = [(n, set_directory(n)) for n in names]
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--set") from None
    embedder = load_service_embedder(settings)
    report = {}
    for name, directory in targets:
        result = evaluate_matching(directory, settings=settings, k=k, embedder=embedder, name=name)
        report[name] = result.as_dict()
        typer.echo(f"== {name}: postings = {result.postings}, seekers = {result.seekers}, "
                   f"queries = {result.queries}, judged = {result.judged}")
        columns = (*SYSTEMS, CEILING)
        typer.echo("metric\t" + "\t".join(columns))
        for metric in ("ndcg@10", "p@5", "mrr", "hit@1", "hit@5"):
            typer.echo(f"{metric}\t" + "\t".join(f"{result.systems[s].get(metric, 0.0):.3f}" for s in columns))
        typer.echo("nDCG@10 by category\t" + "\t".join(columns))
        for category, row in result.by_category.items():
            typer.echo(f"  {category} ({result.category_sizes[category]})\t"
                       + "\t".join(f"{row.get(s, 0.0):.3f}" for s in columns))
        typer.echo(f"({CEILING}: a perfect ranking of the candidates the hard filters leave; P@5 counts grade ≥ 2)")
    if json_path is not None:
        json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        typer.echo(f"written {json_path}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []})
def bench(ctx: typer.Context) -> None:
    """Benchmarks: the engine at 10k/100k (or --sizes 1m) postings, peers, the API under load, embedding speed;
    writes BENCHMARKS.md and the raw figures (see `rengang bench --help`)."""
    from bench.runner import main as run_bench

    run_bench(list(ctx.args))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
