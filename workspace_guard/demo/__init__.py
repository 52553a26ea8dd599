"""`workspace-guard demo`: the whole protocol, narrated, on a throwaway workspace."""
