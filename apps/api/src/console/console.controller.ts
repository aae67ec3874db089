import { Controller, Get, Headers, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CONSOLE_ASSETS, ConsoleAssets, isConsoleAsset } from './assets';
import { pickLang } from './i18n';
import { isConsolePage, renderPage, type ConsolePage } from './pages';

interface RawResponse {
  setHeader(name: string, value: string): void;
  send(body: string | Buffer): void;
}

/**
 * Scripts, styles, data and connections only from this origin; no framing, no referrer. The pages hold
 * no data: console.js fetches it from /v1/ with the API key it keeps in session storage.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

/** The compliance console: open like /health, since the pages carry nothing until signed in. */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  private readonly assets = new ConsoleAssets();

  @Get()
  signIn(
    @Query('lang') lang: unknown,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() response: RawResponse,
  ): void {
    this.page('sign-in', lang, acceptLanguage, response);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() response: RawResponse): void {
    if (!isConsoleAsset(name)) throw new NotFoundException('no such console asset');
    for (const [header, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(header, value);
    response.setHeader('Content-Type', CONSOLE_ASSETS[name]);
    response.setHeader('Cache-Control', 'no-cache');
    response.send(this.assets.read(name));
  }

  @Get(':page')
  named(
    @Param('page') page: string,
    @Query('lang') lang: unknown,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() response: RawResponse,
  ): void {
    if (!isConsolePage(page)) throw new NotFoundException('no such console page');
    this.page(page, lang, acceptLanguage, response);
  }

  private page(
    page: ConsolePage,
    lang: unknown,
    acceptLanguage: string | undefined,
    response: RawResponse,
  ): void {
    for (const [header, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(header, value);
    response.setHeader('Content-Type', 'text/html; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.send(renderPage(page, pickLang(lang, acceptLanguage)));
  }
}
