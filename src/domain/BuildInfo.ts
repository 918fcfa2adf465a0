declare const __HOMELAB_MCP_VERSION__: string | undefined
declare const __HOMELAB_MCP_COMMIT__: string | undefined

/** Stamped in by the esbuild bundle; "dev" when running from source. */
export const VERSION = typeof __HOMELAB_MCP_VERSION__ === "string" ? __HOMELAB_MCP_VERSION__ : "0.0.0-dev"
export const COMMIT = typeof __HOMELAB_MCP_COMMIT__ === "string" ? __HOMELAB_MCP_COMMIT__ : "dev"
export const SERVER_NAME = "homelab-mcp"
