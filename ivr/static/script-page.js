// Draw the call-flow diagram from the Mermaid text on the script page; no inline script needed.
mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
mermaid.run({ querySelector: "pre.mermaid" });
