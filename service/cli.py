"""The ``rengang`` console command."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from matching.enums import Role

app = typer.Typer(help="人岗 rengang: 公共就业服务人岗匹配", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库 database", no_args_is_help=True)
keys_app = typer.Typer(help="API 密钥 keys", no_args_is_help=True)
index_app = typer.Typer(help="索引 indexes", no_args_is_help=True)
eval_app = typer.Typer(help="评测 evaluation", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(index_app, name="index")
app.add_typer(eval_app, name="eval")


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
) -> None:
    """Start the API (one process holds the writable index; scale reads with replicas)."""
    import uvicorn

    from service.app import create_app

    settings = _settings()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port,
                log_level=settings.log_level, workers=1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    from service import db

    url = _settings().resolved_database_url
    db.upgrade(url)
    typer.echo(f"数据库已是最新结构: {url.split('@')[-1]}")


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
    typer.echo(json.dumps(result.counts, ensure_ascii=False))
    typer.echo(f"演示密钥已写入 {path}")


@index_app.command("rebuild")
def index_rebuild() -> None:
    """Embed what is missing or stale and rebuild both indexes from the database (progress bars)."""
    from service import db
    from service.engine import MatchingEngine

    settings = _settings()
    db.upgrade(settings.resolved_database_url)
    engine = MatchingEngine(settings=settings,
                            session_factory=db.make_session_factory(db.make_engine(settings.resolved_database_url)))
    engine.start(show_progress=True, rebuild=True)
    for report in engine.last_sync:
        typer.echo(f"{report.kind}: {report.records} 条记录，新嵌入 {report.embedded}，索引 {report.indexed}，"
                   f"{report.seconds:.1f} 秒")


@eval_app.command("occupations")
def eval_occupations(
    path: Annotated[Path, typer.Argument(help="CSV: job_name,expected_code,expected_name")],
    lexical_only: Annotated[bool, typer.Option(help="不用向量，只用词法匹配")] = False,
) -> None:
    """Top-1/top-5 accuracy of occupation coding at 细类, 小类 and 中类 level."""
    from matching.occupations import OccupationCoder, evaluate, load_eval_csv

    rows = load_eval_csv(path)
    if lexical_only:
        coder = OccupationCoder()
    else:
        from matching.embedder import load_embedder

        settings = _settings()
        embedder = load_embedder(settings.model, models_dir=settings.resolved_models_dir, threads=settings.threads)
        coder = OccupationCoder.with_embedder(embedder, cache_dir=settings.resolved_models_dir / "cache")
    result = evaluate(coder, rows)
    typer.echo(f"n = {result['n']}")
    typer.echo("level\ttop1\ttop5")
    for level in ("细类", "小类", "中类"):
        typer.echo(f"{level}\t{result[level]['top1']:.3f}\t{result[level]['top5']:.3f}")


@eval_app.command("matching")
def eval_matching(
    directory: Annotated[Path, typer.Argument(help="postings.jsonl, seekers.jsonl, qrels.tsv")] = Path(
        "matching/data/eval/matching_dev"),
    k: Annotated[int, typer.Option(help="每位求职者取前 k 个岗位")] = 10,
) -> None:
    """hit@1/5/10, MRR and nDCG@10 of jobs-for-seeker on a labelled set, through the real pipeline."""
    from service.evaluation import evaluate_matching

    result = evaluate_matching(directory, settings=_settings(), k=k)
    typer.echo(f"postings = {result.postings}, seekers = {result.seekers}, judged seekers = {result.judged}")
    for name, value in result.metrics.items():
        typer.echo(f"{name}\t{value:.3f}" if name != "queries" else f"{name}\t{int(value)}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
