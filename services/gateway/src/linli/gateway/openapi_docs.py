"""The OpenAPI document's finishing touches and its docs page at /api/v1/docs.

apiflask's own docs pages load Swagger UI / Redoc from a CDN, which the platform must not do,
so the page here is rendered locally: a small HTML page with inline script that reads
/api/v1/openapi.json, lists every operation with its parameters and schemas, and can send a
request and show the answer ("try it"). Nothing loads from outside the platform.

The spec processor keeps the REST API's paths (under /api/v1), describes every error as
`application/problem+json` (RFC 9457) and gives every operation a `default` problem response.
"""

from __future__ import annotations

import copy
from typing import Any

from apiflask import APIFlask
from flask import Response

from linli.gateway.problems import PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA

API_PREFIX = "/api/v1"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def finish_spec(spec: dict[str, Any] | str) -> dict[str, Any] | str:
    if not isinstance(spec, dict):
        return spec
    spec["paths"] = {path: item for path, item in spec.get("paths", {}).items() if path.startswith(API_PREFIX)}
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = copy.deepcopy(PROBLEM_SCHEMA)
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for item in spec["paths"].values():
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status == "default" or (status.isdigit() and int(status) >= 400):
                    content = response.get("content") if isinstance(response, dict) else None
                    if isinstance(content, dict) and "application/json" in content:
                        content.pop("application/json")
                        content[PROBLEM_MEDIA_TYPE] = {"schema": problem_ref}
            responses.setdefault(
                "default",
                {
                    "description": "Error (RFC 9457 problem details)",
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": problem_ref}},
                },
            )
    return spec


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Linli API</title>
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem;color:#1a1a1a;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
details{border:1px solid #bbb;border-radius:4px;margin:.4rem 0;padding:.3rem .6rem}
summary{cursor:pointer}summary:focus{outline:2px solid #0645ad}
.m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}
.get{color:#035e12}.post{color:#0645ad}.patch,.put{color:#7a4b00}.delete{color:#a00}
pre{background:#f4f4f4;padding:.5rem;overflow:auto;max-height:24rem}
label{display:block;margin:.3rem 0 .1rem}input,textarea{width:100%;box-sizing:border-box;font-family:monospace}
button{margin-top:.4rem;padding:.3rem 1rem}
</style></head><body>
<h1>Linli API</h1>
<p>OpenAPI document: <a href="openapi.json">openapi.json</a>. Errors are RFC 9457 problem documents.</p>
<main id="ops"><p>Loading…</p></main>
<script>
"use strict";
function el(tag, attrs, ...kids){const e=document.createElement(tag);
  for(const [k,v] of Object.entries(attrs||{})){if(k==="class")e.className=v;else e.setAttribute(k,v);}
  for(const k of kids){e.append(k);}return e;}
function deref(spec,s){while(s&&s.$ref){s=s.$ref.split("/").slice(1).reduce((o,k)=>o[k],spec);}return s;}
let n=0;
function operation(spec,path,method,op){
  const id="op"+(n++); const params=(op.parameters||[]).map(p=>deref(spec,p));
  const sum=el("summary",{},el("span",{class:"m "+method},method.toUpperCase())," "+path+" — "+(op.summary||""));
  const d=el("details",{},sum);
  if(op.description)d.append(el("p",{},op.description));
  const form=el("form",{});
  for(const p of params){const fid=id+"-"+p.in+"-"+p.name;
    form.append(el("label",{for:fid},p.in+" "+p.name+(p.required?" (required)":"")),
                el("input",{id:fid,"data-in":p.in,"data-name":p.name}));}
  const body=op.requestBody&&op.requestBody.content&&op.requestBody.content["application/json"];
  if(body){d.append(el("p",{},"Request body:"),el("pre",{},JSON.stringify(deref(spec,body.schema),null,1)));
    form.append(el("label",{for:id+"-body"},"JSON body"),el("textarea",{id:id+"-body",rows:"6"}));}
  const out=el("pre",{"aria-live":"polite"});
  form.append(el("button",{type:"submit"},"Send"));
  form.addEventListener("submit",async ev=>{ev.preventDefault();
    let url=path; const q=new URLSearchParams(); const h={};
    for(const i of form.querySelectorAll("input")){if(!i.value)continue;
      if(i.dataset.in==="path")url=url.replace("{"+i.dataset.name+"}",encodeURIComponent(i.value));
      else if(i.dataset.in==="query")q.append(i.dataset.name,i.value);
      else if(i.dataset.in==="header")h[i.dataset.name]=i.value;}
    const init={method:method.toUpperCase(),headers:h,credentials:"same-origin"};
    const ta=form.querySelector("textarea"); if(ta&&ta.value){init.body=ta.value;h["Content-Type"]="application/json";}
    try{const r=await fetch(url+(q.toString()?"?"+q:""),init);const t=await r.text();
      out.textContent=r.status+" "+r.statusText+"\\n"+t;}catch(e){out.textContent=String(e);}});
  d.append(form,el("p",{},"Responses:"),el("pre",{},JSON.stringify(op.responses,null,1)),out);
  return d;}
fetch("openapi.json").then(r=>r.json()).then(spec=>{
  const root=document.getElementById("ops"); root.textContent="";
  root.append(el("p",{},spec.info.title+" "+spec.info.version+" (OpenAPI "+spec.openapi+")"));
  const byTag={};
  for(const [path,item] of Object.entries(spec.paths||{}))for(const [m,op] of Object.entries(item)){
    if(!["get","post","put","patch","delete"].includes(m))continue;
    const tag=(op.tags&&op.tags[0])||"other";(byTag[tag]=byTag[tag]||[]).push([path,m,op]);}
  for(const tag of Object.keys(byTag).sort()){root.append(el("h2",{},tag));
    for(const [p,m,op] of byTag[tag])root.append(operation(spec,p,m,op));}
  if(!Object.keys(byTag).length)root.append(el("p",{},"No operations yet."));
}).catch(e=>{document.getElementById("ops").textContent="Could not load the document: "+e;});
</script></body></html>
"""


def register(app: APIFlask) -> None:
    app.spec_processor(finish_spec)

    @app.get(f"{API_PREFIX}/docs")
    @app.doc(hide=True)
    def api_docs() -> Response:
        response = Response(_PAGE, mimetype="text/html")
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"
        )
        return response
