import type { Express } from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/config/logger';
import { createServices } from '../../src/services';
import { buildApp, testConfig } from '../helpers/app';
import { manualClock } from '../helpers/clock';

interface LayerLike {
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

/** Every method + path the Express app registers, as OpenAPI templates ("/users/{userId}"). */
function registeredRoutes(app: Express): string[] {
  const routes: string[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = `${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1');
        // `_all`: the 405 answer for other methods, not an operation.
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
          routes.push(`${method} ${path || '/'}`);
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return routes.sort();
}

describe('OpenAPI document', () => {
  const app = () => {
    const config = testConfig();
    const logger = createLogger({ level: 'silent' });
    const services = createServices({ config, clock: manualClock(), logger, connection: mongoose.connection });
    return createApp({ config, logger, services });
  };

  it('is served at /api/docs.json as OpenAPI 3.1', async () => {
    const res = await request(app()).get('/api/docs.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.components.securitySchemes.accessToken).toEqual({ type: 'apiKey', in: 'header', name: 'x-access-token' });
  });

  it('documents every route the app registers, and nothing else', async () => {
    const express = app();
    const doc = (await request(express).get('/api/docs.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
      .sort();
    const registered = registeredRoutes(express).filter((r) => !r.includes('/api/docs'));
    expect(registered.length).toBeGreaterThan(20);
    expect(registered).toEqual(documented);
  });

  it('derives request schemas from the validation schemas', async () => {
    const doc = (await request(app()).get('/api/docs.json')).body;
    const signup = doc.paths['/api/auth/signup'].post.requestBody.content['application/json'].schema;
    expect(signup.required).toEqual(['username', 'email', 'password']);
    expect(signup.additionalProperties).toBe(false);
    expect(signup.properties.username).toMatchObject({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9._-]+$' });
    expect(signup.properties.email.format).toBe('email');
    // Found by schemathesis: bodies must be marked required, or "no body" counts as valid.
    expect(doc.paths['/api/auth/signup'].post.requestBody.required).toBe(true);
    expect(doc.paths['/api/auth/signin'].post.requestBody.required).toBe(true);
    expect(doc.paths['/api/auth/refreshtoken'].post.requestBody.required).toBe(false);
  });

  it('serves Swagger UI at /api/docs', async () => {
    const res = await request(app()).get('/api/docs/').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('swagger-ui');
  });
});

describe('health', () => {
  it('says the process is live without asking the database', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('says ready when MongoDB answers a ping', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', checks: { mongodb: 'ok' } });
  });

  it('says not ready (503) when MongoDB is not connected', async () => {
    const config = testConfig();
    const logger = createLogger({ level: 'silent' });
    // A real connection that never connected: what the service sees while MongoDB is away.
    const disconnected = mongoose.createConnection();
    const services = createServices({ config, clock: manualClock(), logger, connection: disconnected });
    const res = await request(createApp({ config, logger, services })).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable', checks: { mongodb: 'failed' } });
    await disconnected.close();
  });
});
