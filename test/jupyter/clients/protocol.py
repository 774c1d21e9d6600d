"""Drives the DeepResolve kernel through Debian's jupyter_client, the way front ends do, and
prints what it saw as one JSON document (test/jupyter/kernel-protocol.test.ts asserts on it).

argv: MODEL LABELS. Run with /usr/bin/python3 in the test's private Jupyter world; the working
folder is the notebook's.
"""
import json
import os
import signal
import sys
import time

from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

MODEL, LABELS = sys.argv[1:3]
TIMEOUT = 120
report = {}

km = KernelManager(kernel_name="deepresolve")
km.start_kernel(cwd=os.getcwd())
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=60)


def only(msg):
    return {"msg_type": msg["msg_type"], "content": msg["content"], "parent": msg["parent_header"].get("msg_id")}


def execute(code):
    seen = []
    reply = kc.execute_interactive(code, timeout=TIMEOUT, output_hook=seen.append)
    return {"reply": reply["content"], "iopub": [only(m) for m in seen]}


def reply_to(msg_id):
    while True:
        msg = kc.get_shell_msg(timeout=10)
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def complete(code, pos=None):
    return kc.complete(code, len(code) if pos is None else pos, reply=True, timeout=10)["content"]


try:
    report["kernel_info"] = kc.kernel_info(reply=True, timeout=10)["content"]
    report["complete_magic"] = complete("%res")
    report["complete_option"] = complete("%resolve --l")
    # Cursor positions are code points: the DNA emoji is one, though two UTF-16 units.
    report["complete_after_emoji"] = complete("# \U0001F9EC\n%res")
    report["inspect_resolve"] = kc.inspect("%resolve", 3, reply=True, timeout=10)["content"]
    report["inspect_option"] = kc.inspect("%resolve --restarts 3", 12, reply=True, timeout=10)["content"]
    report["is_complete"] = [reply_to(kc.is_complete(c))["content"] for c in ["%resolve --restarts 3", "%resolve 'unclosed"]]
    report["help_resolve"] = execute("%help resolve")
    report["load"] = execute(f"%load_model {MODEL} --as ctcf")
    report["complete_layer"] = complete("%resolve --layer ")
    report["complete_classes"] = complete(f"%resolve --labels {LABELS} --classes ")


    def long_run(interrupt):
        """Starts a run that would take hours, talks to the kernel while it runs, then interrupts it."""
        code = "%resolve ctcf --restarts 5000 --max-iter 1000000 --patience 1000000"
        msg_id = kc.execute(code)
        seen = []
        updates = 0
        sent = None
        answered = {}
        while True:
            msg = kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            seen.append(only(msg))
            if msg["msg_type"] == "update_display_data":
                updates += 1
            if updates == 2 and not answered:
                # While the analysis runs: shell requests are answered before the execution ends.
                answered["complete"] = complete("%fea")["matches"]
                answered["kernel_info"] = kc.kernel_info(reply=True, timeout=10)["content"]["status"]
                answered["heartbeat"] = kc.hb_channel.is_beating()
            if updates == 3 and sent is None:
                sent = time.monotonic()
                interrupt()
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle = time.monotonic()
                break
        reply = kc.get_shell_msg(timeout=10)
        return {
            "iopub": seen,
            "reply": reply["content"],
            "reply_parent": reply["parent_header"]["msg_id"],
            "msg_id": msg_id,
            "answered_while_running": answered,
            "seconds_to_stop": idle - sent,
        }


    report["interrupt_message"] = long_run(km.interrupt_kernel)
    report["after_interrupt"] = execute("%resolve ctcf --restarts 2")
    report["interrupt_signal"] = long_run(lambda: km.signal_kernel(signal.SIGINT))
    report["after_signal"] = execute("%backend")

    def execute_answering(code, answer):
        """A cell whose magic asks on the stdin channel; the front end answers `answer`."""
        prompts = []

        def hook(msg):
            prompts.append(msg["content"]["prompt"])
            kc.input(answer)

        seen = []
        reply = kc.execute_interactive(code, timeout=TIMEOUT, output_hook=seen.append, allow_stdin=True, stdin_hook=hook)
        return {"reply": reply["content"], "iopub": [only(m) for m in seen], "prompts": prompts}

    # Writes outside the notebook's folder are asked first; a front end without stdin is refused.
    report["write_refused"] = execute_answering("%export ../refused.json", "n")
    report["write_allowed"] = execute_answering("%export ../allowed.json", "y")
    report["write_no_stdin"] = {"reply": kc.execute_interactive("%export ../unasked.json", timeout=TIMEOUT, allow_stdin=False)["content"]}

    # Signatures: a request signed with another key is dropped; so is a replayed one. Replies come in
    # order on one socket, so the first reply after a dropped request answers the next good one.
    shell = kc.shell_channel.socket
    wrong = Session(key=b"not-the-connection-key", signature_scheme="hmac-sha256", username="intruder")
    bad_info = wrong.msg("kernel_info_request", {})
    wrong.send(shell, bad_info)
    good_id = kc.kernel_info()
    first = kc.get_shell_msg(timeout=10)
    bad_exec = wrong.msg("execute_request", {"code": "%backend cpu", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    wrong.send(shell, bad_exec)
    after_bad = execute("%backend")
    good = kc.session.msg("kernel_info_request", {})
    frames = kc.session.serialize(good)
    shell.send_multipart(frames)
    shell.send_multipart(frames)
    fresh_id = kc.kernel_info()
    replies = [kc.get_shell_msg(timeout=10)["parent_header"]["msg_id"] for _ in range(2)]
    report["signatures"] = {
        "bad_id": bad_info["header"]["msg_id"],
        "good_id": good_id,
        "first_reply_parent": first["parent_header"]["msg_id"],
        "bad_exec_id": bad_exec["header"]["msg_id"],
        "after_bad": after_bad,
        "replayed_id": good["header"]["msg_id"],
        "fresh_id": fresh_id,
        "replies": replies,
    }

    # Shutdown: the reply on the control channel, then the process ends by itself.
    shutdown_id = kc.shutdown()
    reply = kc.get_control_msg(timeout=10)
    process = km.provisioner.process
    deadline = time.monotonic() + 20
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    report["shutdown"] = {"reply": reply["content"], "parent": reply["parent_header"]["msg_id"], "msg_id": shutdown_id, "exit_code": process.poll()}
    kc.stop_channels()
    if process.poll() is None:
        km.shutdown_kernel(now=True)
except BaseException:
    import traceback

    traceback.print_exc()
    km.shutdown_kernel(now=True)
    os._exit(1)

sys.stdout.write(json.dumps(report))
sys.stdout.flush()
# jupyter_client's destructors log at interpreter exit after logging is gone: skip them.
os._exit(0)
