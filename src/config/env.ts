import { existsSync } from 'node:fs';
import { ConfigError } from './load.js';
import { registerSecret } from '../redact.js';

/**
 * Reads `.env` from the working directory into process.env (variables already set win), for
 * every entry point: `npm start`, `npm run cli`, the package bin. A malformed file is a
 * configuration error naming it.
 */
export function loadDotEnv(file = '.env'): void {
  if (!existsSync(file)) return;
  try {
    process.loadEnvFile(file);
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
}

export interface ChatEnv {
  telegram?: { token: string; apiRoot?: string; webhookUrl?: string; webhookSecret?: string };
  slack?: { botToken: string; signingSecret?: string; appToken?: string; apiUrl?: string; port: number };
}

/**
 * Reads the chat platforms' variables. A token without its partner is a start-up error, so a
 * half-configured bot never runs silently (e.g. a Slack bot token without a signing secret).
 */
export function readChatEnv(env: NodeJS.ProcessEnv = process.env): ChatEnv {
  const v = (name: string) => env[name]?.trim() || undefined;
  const out: ChatEnv = {};
  const tg = v('TELEGRAM_BOT_TOKEN');
  if (tg) {
    const webhookUrl = v('TELEGRAM_WEBHOOK_URL');
    const webhookSecret = v('TELEGRAM_WEBHOOK_SECRET');
    if (webhookUrl && !/^https:\/\//.test(webhookUrl)) throw new ConfigError(`TELEGRAM_WEBHOOK_URL: expected an https:// URL, got "${webhookUrl}"`);
    if (webhookUrl && !webhookSecret) throw new ConfigError('TELEGRAM_WEBHOOK_URL is set without TELEGRAM_WEBHOOK_SECRET: the webhook needs a secret token (1-256 characters A-Z a-z 0-9 _ -)');
    if (webhookSecret && !/^[A-Za-z0-9_-]{1,256}$/.test(webhookSecret)) throw new ConfigError('TELEGRAM_WEBHOOK_SECRET: expected 1-256 characters of A-Z a-z 0-9 _ -');
    const apiRoot = v('TELEGRAM_API_ROOT');
    if (apiRoot && !/^https?:\/\//.test(apiRoot)) throw new ConfigError(`TELEGRAM_API_ROOT: expected an http(s):// URL, got "${apiRoot}"`);
    out.telegram = { token: tg, apiRoot: apiRoot?.replace(/\/+$/, ''), webhookUrl, webhookSecret };
  } else {
    for (const name of ['TELEGRAM_WEBHOOK_URL', 'TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_API_ROOT']) {
      if (v(name)) throw new ConfigError(`${name} is set but TELEGRAM_BOT_TOKEN is not: set the bot token (from @BotFather) or remove ${name}`);
    }
  }
  const bot = v('SLACK_BOT_TOKEN');
  const secret = v('SLACK_SIGNING_SECRET');
  const app = v('SLACK_APP_TOKEN');
  if (bot) {
    if (!secret && !app) throw new ConfigError('SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode): set one of them');
    const port = Number(v('SLACK_PORT') ?? 3000);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`SLACK_PORT: expected a port number, got "${v('SLACK_PORT')}"`);
    const apiUrl = v('SLACK_API_URL');
    out.slack = { botToken: bot, signingSecret: secret, appToken: app, apiUrl: apiUrl ? apiUrl.replace(/\/*$/, '/') : undefined, port };
  } else if (secret || app) {
    throw new ConfigError(`${secret ? 'SLACK_SIGNING_SECRET' : 'SLACK_APP_TOKEN'} is set but SLACK_BOT_TOKEN is not: set the bot token (xoxb-…) too`);
  }
  return out;
}

/** Shorter admin tokens could be guessed through the login form; 16 characters of a password generator are not. */
const MIN_ADMIN_TOKEN = 16;

/**
 * ADMIN_TOKEN: the operator pages' token (src/web/auth.ts). Unset: those pages are disabled.
 * Registered as a secret so it never reaches a log line.
 */
export function readAdminToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env.ADMIN_TOKEN?.trim() || undefined;
  if (token && token.length < MIN_ADMIN_TOKEN) throw new ConfigError(`ADMIN_TOKEN: expected at least ${MIN_ADMIN_TOKEN} characters (e.g. openssl rand -hex 24), got ${token.length}`);
  registerSecret(token);
  return token;
}
