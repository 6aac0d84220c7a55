"""Outside-in probe of a running instance: the hardening attack (issue 13) repeated, in about 400 requests.

Usage, against a fresh instance on this machine only:
    RENGANG_VAR_DIR=/tmp/probe rengang db upgrade && rengang seed && rengang index rebuild
    RENGANG_VAR_DIR=/tmp/probe rengang serve --port 8766 > /tmp/probe.log 2>&1 &
    python scripts/attack_probe.py http://127.0.0.1:8766 /tmp/probe/demo-keys.env
Then search /tmp/probe.log and /tmp/probe/rengang.db* for the numbers it prints (they must not be there).
It prints one line per check and the failures at the end; it exits 1 if any check failed.
"""
import concurrent.futures as cf
import json
import re
import sys
import urllib.parse

import httpx
import numpy as np
from datetime import date
from matching.identifiers import make_credit_code, make_id_number
RNG = np.random.default_rng()

BASE = sys.argv[1]
if urllib.parse.urlsplit(BASE).hostname not in ("127.0.0.1", "localhost", "::1"):
    sys.exit("attack_probe only targets this machine (127.0.0.1)")
KEYS = dict(line.split("=", 1) for line in open(sys.argv[2]).read().split() if "=" in line)
ADMIN = {"Authorization": f"Bearer {KEYS['RENGANG_ADMIN_KEY']}"}
APP = {"Authorization": f"Bearer {KEYS['RENGANG_APP_KEY']}"}
c = httpx.Client(base_url=BASE, timeout=60)
fails, created_numbers = [], []
ID = make_id_number(RNG, "510115", date(1997, 3, 17), "male")
PHONE = f"139{RNG.integers(10**7, 10**8)}"


def check(name, r, ok):
    status = r.status_code
    good = ok(r)
    if status >= 500 or not good:
        fails.append(f"{name}: {status} {r.text[:200]}")
    print(("ok  " if good and status < 500 else "FAIL"), status, name)


emp = c.post("/api/v1/employers", headers=ADMIN, json={"name": "攻击测试物流有限公司", "credit_code": make_credit_code(RNG, "510115"),
             "industry_code": "5941", "size_class": "small", "region_code": "510115",
             "contact_note": f"联系 {PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]} 或 {ID}"}).json()
print(emp)
job = c.post("/api/v1/jobs", headers=ADMIN, json={"employer_id": emp["id"], "title": "叉车司机", "region_code": "510115",
             "headcount": 1, "description": f"电话{PHONE}"}).json()
created_numbers += [ID, PHONE]
s = c.post("/api/v1/seekers", headers=ADMIN, json={"name": "王\u202e强\x00", "region_code": "510115", "id_number": ID,
           "phone": PHONE, "self_intro": f"我的身份证 {ID[:6]} {ID[6:14]} {ID[14:]}，手机 {PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}",
           "consent_to_share": True}).json()
print("seeker", {k: s.get(k) for k in ("id", "name", "self_intro", "id_number", "phone")})
for field in ("skills", "desired_work_types", "desired_occupations", "desired_regions"):
    check(f"PATCH seeker {field}=null", c.patch(f"/api/v1/seekers/{s['id']}", headers=APP, json={field: None}),
          lambda r: r.status_code == 422)
check("PATCH job skills=null", c.patch(f"/api/v1/jobs/{job['id']}", headers=APP, json={"skills": None}),
      lambda r: r.status_code == 422)
check("GET seeker after", c.get(f"/api/v1/seekers/{s['id']}", headers=APP), lambda r: r.status_code == 200)
HUGE = "99999999999999999999"
for url in [f"/api/v1/jobs/{HUGE}", f"/api/v1/jobs?employer_id={HUGE}", f"/api/v1/jobs?salary_at_least={HUGE}",
            f"/api/v1/seekers/{s['id']}/matches?salary_floor={HUGE}", f"/kiosk/take/{HUGE}",
            f"/api/v1/seekers/{s['id']}/matches?scope=county&region_code=999999", "/api/v1/jobs?q=%25",
            "/api/v1/seekers?phone=138-0013-8000",
            "/api/v1/seekers?id_number=510115-19970317-7138", "/api/v1/seekers?phone=138%2D0013%2D8000",
            "/api/v1/seekers?phone=138001380001"]:
    check(f"GET {url[:70]}", c.get(url, headers=ADMIN), lambda r: r.status_code < 500)
import subprocess
out = subprocess.run(["curl", "-s", "-i", "-H", f"Authorization: {ADMIN['Authorization']}",
                      f"{BASE}/api/v1/jobs?q={'x' * 100_000}"], capture_output=True, text=True).stdout
print("100k query:", out.splitlines()[0], out.splitlines()[-1][:160])
if " 414 " not in out.splitlines()[0] or '"field": "q"' not in out:
    fails.append("100k query: " + out[:200])
check("q=% matches nothing", c.get("/api/v1/jobs?q=%25", headers=ADMIN), lambda r: r.json()["total"] == 0)
fair = c.get("/api/v1/fairs", headers=ADMIN).json()["items"]
if fair:
    check("PATCH fair ends_on null", c.patch(f"/api/v1/fairs/{fair[0]['id']}", headers=ADMIN, json={"ends_on": None}),
          lambda r: r.status_code == 422)
check("superscript ID", c.post("/api/v1/seekers", headers=APP, json={"name": "李", "region_code": "510115",
      "id_number": ID[:5] + "²" + ID[6:]}), lambda r: r.status_code == 422 and "int()" not in r.text)
for k in (True, "3"):
    check(f"k={k!r}", c.post("/api/v1/matches/jobs", headers=APP, json={"text": "保洁", "k": k, "scope": "anywhere"}),
          lambda r: r.status_code == 422)

# headcount race: 10 applied referrals on a headcount-1 posting, hired at once
seekers = [c.post("/api/v1/seekers", headers=ADMIN, json={"name": f"并发{i}", "region_code": "510115"}).json()
           for i in range(10)]
refs = []
for sk in seekers:
    r = c.post("/api/v1/referrals", headers=ADMIN, json={"seeker_id": sk["id"], "job_id": job["id"]}).json()
    c.post(f"/api/v1/referrals/{r['id']}/transition", headers=ADMIN, json={"status": "applied"})
    refs.append(r["id"])
with cf.ThreadPoolExecutor(10) as pool:
    codes = list(pool.map(lambda rid: httpx.post(f"{BASE}/api/v1/referrals/{rid}/transition", headers=ADMIN,
                                                 json={"status": "hired"}, timeout=60).status_code, refs))
check(f"10 racing hires {sorted(codes)}", c.get(f"/api/v1/jobs/{job['id']}", headers=ADMIN),
      lambda r: r.json()["hired_count"] == 1 and codes.count(200) == 1 and codes.count(409) == 9)

# abuse limits
codes = [httpx.get(f"{BASE}/api/v1/jobs", headers={"Authorization": "Bearer rg_0123456789ab_wrongwrongwrong"}).status_code
         for _ in range(40)]
check(f"wrong keys -> 429 ({codes.count(401)}x401, {codes.count(429)}x429)", c.get("/healthz"),
      lambda r: 429 in codes)
if fair:
    codes = [httpx.get(f"{BASE}/kiosk/take/{fair[0]['id']}").status_code for _ in range(200)]
    check(f"take-away burst ({codes.count(429)}x429)", c.get("/healthz"), lambda r: 429 in codes)
for page in ("/console/login", "/kiosk/setup", "/docs", f"/kiosk/take/{fair[0]['id'] if fair else 1}"):
    r = httpx.get(BASE + page)
    check(f"headers {page}", r, lambda r: all(h in r.headers for h in (
        "content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy")))

everything = json.dumps(fails)
for url in (f"/api/v1/seekers/{s['id']}", f"/api/v1/employers/{emp['id']}", f"/api/v1/jobs/{job['id']}"):
    for h in (APP, ADMIN):
        everything += c.get(url, headers=h).text
digits = re.sub(r"\D", "", everything)
leaks = [n for n in created_numbers if n in digits]
print("leaks in responses:", leaks)
print("numbers created:", created_numbers)
print("FAILURES:", *fails, sep="\n  ")
sys.exit(1 if fails or leaks else 0)
