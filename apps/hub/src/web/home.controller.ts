import { Get, Query, Req, Res } from '@nestjs/common';
import {
  ADDRESS_CHECK_SCRIPT,
  ADDRESS_CHECK_SCRIPT_PATH,
  HomePage,
  isLang,
  PAGES_CSS,
  STYLESHEET_PATH,
} from '@passerelle/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { PageController } from './page-access';
import { localPath, WebPages } from './web-pages';

/** How long the home page waits for the database before calling it down. */
const HEALTH_TIMEOUT_MS = 2000;

/** `/`: what the hub is and whether it works; the stylesheet and the one script; the language switch. */
@PageController('')
export class HomeController {
  constructor(
    private readonly pages: WebPages,
    private readonly dataSource: DataSource,
  ) {}

  @Get()
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = await this.pages.session(request);
    const csrf = session ? undefined : this.pages.loginCsrf(request, reply);
    const page = this.pages.context(request, session, csrf);
    this.pages.send(reply, HomePage({ page, facts: { databaseUp: await this.databaseUp() } }));
  }

  @Get(STYLESHEET_PATH)
  stylesheet(@Res() reply: FastifyReply): void {
    void reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .header('x-content-type-options', 'nosniff')
      .send(PAGES_CSS);
  }

  @Get(ADDRESS_CHECK_SCRIPT_PATH)
  script(@Res() reply: FastifyReply): void {
    void reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .header('x-content-type-options', 'nosniff')
      .send(ADDRESS_CHECK_SCRIPT);
  }

  /** A link, so it works without a session: the choice is a cookie, nothing else changes. */
  @Get('language')
  language(@Query('set') set: unknown, @Query('back') back: unknown, @Res() reply: FastifyReply): void {
    if (isLang(set)) this.pages.setLanguage(reply, set);
    this.pages.redirect(reply, localPath(back));
  }

  private async databaseUp(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.dataSource.query('SELECT 1').then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS);
        }),
      ]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
