// The compliance console's one script. It keeps the API key in this tab's session storage, sends it
// only as an Authorization header to /v1/ on this origin, and builds every page from the API's answers
// with DOM nodes (never HTML strings). A supply point id is sent only in a POST body, never in a URL.
(function () {
  'use strict';

  var KEY = 'kyodo.console.apiKey';
  var ROLE = 'kyodo.console.role';
  var body = document.body;
  var page = body.dataset.page;
  var lang = body.dataset.lang || 'en';
  var m = JSON.parse(document.getElementById('console-messages').textContent);

  function t(key, vars) {
    var text = m[key] === undefined ? key : m[key];
    if (vars) {
      Object.keys(vars).forEach(function (name) {
        text = text.split('{' + name + '}').join(String(vars[name]));
      });
    }
    return text;
  }

  function label(map, code) {
    return (m[map] && m[map][code]) || code;
  }

  // ---- DOM helpers -------------------------------------------------------------------------------

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) return;
      if (name === 'text') node.textContent = value;
      else if (name === 'className') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    });
    for (var i = 2; i < arguments.length; i += 1) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child))
      child.forEach(function (c) {
        append(node, c);
      });
    else
      node.appendChild(
        typeof child === 'string' || typeof child === 'number'
          ? document.createTextNode(String(child))
          : child,
      );
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function replace(container, child) {
    container.textContent = '';
    append(container, child);
  }

  function status(text, kind) {
    var node = byId('status');
    if (!node) return;
    node.textContent = text || '';
    node.className = kind || '';
  }

  function table(caption, headers, rows, options) {
    var opts = options || {};
    return el(
      'div',
      { className: 'scroll' },
      el(
        'table',
        { id: opts.id },
        el('caption', { text: caption, className: opts.hideCaption ? 'visually-hidden' : undefined }),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            headers.map(function (h) {
              return el('th', { scope: 'col', text: h });
            }),
          ),
        ),
        el(
          'tbody',
          {},
          rows.map(function (cells) {
            return el(
              'tr',
              {},
              cells.map(function (cell, i) {
                var numeric = typeof cell === 'number';
                return el(
                  i === 0 && opts.rowHeaders ? 'th' : 'td',
                  {
                    scope: i === 0 && opts.rowHeaders ? 'row' : undefined,
                    className: numeric ? 'num' : undefined,
                  },
                  numeric ? cell.toLocaleString(lang) : cell,
                );
              }),
            );
          }),
        ),
      ),
    );
  }

  /** An instant as a time in Japan (UTC+09:00), which is how customers and operators reckon. */
  function japanTime(iso) {
    var d = new Date(Date.parse(iso) + 9 * 3600 * 1000);
    return d.toISOString().slice(0, 19).replace('T', ' ');
  }

  function japanDay(date) {
    return new Date(date.getTime() + 9 * 3600 * 1000).toISOString().slice(0, 10);
  }

  function areaName(code) {
    return code + ' ' + label('areas', code);
  }

  // ---- the API ----------------------------------------------------------------------------------

  function ApiError(status, message) {
    this.status = status;
    this.message = message;
  }

  function apiKey() {
    return sessionStorage.getItem(KEY);
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ROLE);
    if (message) sessionStorage.setItem('kyodo.console.notice', message);
    window.location.assign('/console?lang=' + lang);
  }

  /** Calls /v1/; JSON in and out unless `accept` says otherwise. 401 ends the session. */
  function api(method, path, payload, accept, key) {
    var headers = { Authorization: 'Bearer ' + (key || apiKey()), Accept: accept || 'application/json' };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(path, {
      method: method,
      headers: headers,
      body: payload === undefined ? undefined : JSON.stringify(payload),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    }).then(function (response) {
      if (response.ok) return accept && accept !== 'application/json' ? response.text() : response.json();
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (error) {
          if (response.status === 401 && !key) signOut(t('sessionEnded'));
          throw new ApiError(response.status, error.message || response.statusText);
        });
    });
  }

  function failure(error) {
    if (error instanceof ApiError && error.status === 403) return t('forbidden');
    return t('failed', { message: error && error.message ? error.message : String(error) });
  }

  function busy(button, text, work) {
    var original = button.textContent;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    button.textContent = text;
    status(text);
    return work().finally(function () {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      button.textContent = original;
    });
  }

  // ---- session ----------------------------------------------------------------------------------

  function showSession() {
    var role = sessionStorage.getItem(ROLE);
    var node = byId('session-role');
    if (node && role)
      node.textContent = t('signedInAs', {
        role: role === 'auditor' ? t('roleAuditor') : t('roleRegistryAdmin'),
      });
    var out = byId('sign-out');
    if (out)
      out.addEventListener('click', function () {
        signOut();
      });
  }

  function signInPage() {
    var notice = sessionStorage.getItem('kyodo.console.notice');
    if (notice) {
      sessionStorage.removeItem('kyodo.console.notice');
      status(notice, 'error');
    }
    var form = byId('sign-in-form');
    var input = byId('api-key');
    input.focus();
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var key = input.value.trim();
      if (!key) return;
      status(t('loading'));
      api('GET', '/v1/whoami', undefined, undefined, key)
        .then(function (who) {
          sessionStorage.setItem(KEY, key);
          sessionStorage.setItem(ROLE, who.role);
          input.value = '';
          window.location.assign(
            '/console/' + (who.role === 'auditor' ? 'disclosures' : 'registry') + '?lang=' + lang,
          );
        })
        .catch(function (error) {
          status(
            error instanceof ApiError && error.status === 401 ? t('signInRejected') : failure(error),
            'error',
          );
          input.select();
        });
    });
  }

  // ---- disclosures ------------------------------------------------------------------------------

  function disclosuresPage() {
    var form = byId('disclosure-form');
    var input = byId('supply-point');
    var filter = byId('recipient-filter');
    var current = null; // { query, items }
    input.focus();

    function query() {
      var q = { supplyPointId: input.value.trim() };
      if (byId('from').value) q.from = byId('from').value;
      if (byId('to').value) q.to = byId('to').value;
      return q;
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var q = query();
      if (!/^(0[1-9]|10)\d{20}$/.test(q.supplyPointId)) {
        input.setAttribute('aria-invalid', 'true');
        status(t('supplyPointInvalid'), 'error');
        input.focus();
        return;
      }
      input.removeAttribute('aria-invalid');
      status(t('loading'));
      api('POST', '/v1/disclosures/search', q)
        .then(function (report) {
          current = { query: q, items: report.items };
          showDisclosures();
          status(
            t('disclosuresSummary', {
              count: report.items.length,
              recipients: recipientsOf(report.items).length,
            }),
          );
        })
        .catch(function (error) {
          status(failure(error), 'error');
        });
    });

    filter.addEventListener('change', showTimeline);

    byId('export-csv').addEventListener('click', function () {
      if (!current) return;
      var q = Object.assign({}, current.query, { format: 'csv' });
      if (filter.value) q.recipientId = filter.value;
      api('POST', '/v1/disclosures/search', q, 'text/csv')
        .then(function (csv) {
          var url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
          var link = el('a', {
            href: url,
            download: 'kyodo-disclosures-' + new Date().toISOString().slice(0, 10) + '.csv',
          });
          document.body.appendChild(link);
          link.click();
          link.remove();
          setTimeout(function () {
            URL.revokeObjectURL(url);
          }, 1000);
          status(t('csvExported', { count: Math.max(0, csv.trim().split(/\r?\n/).length - 1) }));
        })
        .catch(function (error) {
          status(failure(error), 'error');
        });
    });

    function recipientsOf(items) {
      var seen = {};
      items.forEach(function (d) {
        var r =
          seen[d.recipientId] ||
          (seen[d.recipientId] = { id: d.recipientId, role: d.recipientRole, count: 0 });
        r.count += 1;
      });
      return Object.keys(seen)
        .sort()
        .map(function (id) {
          return seen[id];
        });
    }

    function showDisclosures() {
      var recipients = recipientsOf(current.items);
      byId('results').hidden = false;
      byId('disclosure-summary').textContent = current.items.length
        ? t('disclosuresSummary', { count: current.items.length, recipients: recipients.length })
        : t('noDisclosures');
      replace(
        byId('recipient-list'),
        recipients.map(function (r) {
          return el(
            'li',
            { 'data-recipient': r.id },
            el('strong', { text: r.id }),
            ' ',
            label('roles', r.role),
            ' · ',
            t('deliveries', { count: r.count }),
          );
        }),
      );
      replace(
        filter,
        [el('option', { value: '', text: t('allRecipients') })].concat(
          recipients.map(function (r) {
            return el('option', { value: r.id, text: r.id + ' (' + label('roles', r.role) + ')' });
          }),
        ),
      );
      showTimeline();
    }

    function showTimeline() {
      var chosen = filter.value;
      var tbody = byId('timeline').querySelector('tbody');
      var rows = [];
      var day = null;
      current.items
        .filter(function (d) {
          return !chosen || d.recipientId === chosen;
        })
        .forEach(function (d) {
          var when = japanTime(d.time);
          if (when.slice(0, 10) !== day) {
            day = when.slice(0, 10);
            rows.push(el('tr', { className: 'day' }, el('th', { colspan: 9, scope: 'colgroup', text: day })));
          }
          rows.push(
            el(
              'tr',
              {},
              el('td', {}, el('time', { datetime: d.time, text: when.slice(11) })),
              el('td', {}, el('strong', { text: d.recipientId })),
              el('td', { text: label('roles', d.recipientRole) }),
              el('td', { className: 'mono', text: d.eventType }),
              el(
                'td',
                {},
                d.purposes.map(function (p) {
                  return el('span', { className: 'tag', title: p, text: label('purposes', p) });
                }),
              ),
              el('td', {}, fieldList(d.fieldsDelivered, 'delivered')),
              el('td', {}, fieldList(d.fieldsWithheld, 'withheld')),
              el('td', { text: d.policyVersion }),
              el('td', { className: 'mono', text: d.auditId }),
            ),
          );
        });
      replace(tbody, rows);
    }

    function fieldList(fields, kind) {
      if (!fields.length) return el('span', { className: 'muted', text: '—' });
      var list = el(
        'ul',
        { className: 'fields ' + kind },
        fields.map(function (f) {
          return el('li', { className: 'mono', text: f });
        }),
      );
      // Long lists fold away (a native, keyboard-operable disclosure widget); the count stays visible.
      return fields.length <= 3
        ? list
        : el(
            'details',
            { className: kind },
            el('summary', { text: t('fieldCount', { count: fields.length }) }),
            list,
          );
    }
  }

  // ---- audit health -----------------------------------------------------------------------------

  function auditPage() {
    function load() {
      status(t('loading'));
      return api('GET', '/v1/audit/health')
        .then(function (health) {
          showHeads(health);
          showVerify(health.lastVerify);
          showReconcile(health.lastReconciliation);
          status('');
        })
        .catch(function (error) {
          status(failure(error), 'error');
        });
    }

    function showHeads(health) {
      var heads = health.heads.map(function (h) {
        return [h.partition, h.offset, el('span', { className: 'mono hash', text: h.hash })];
      });
      var parts = [
        heads.length
          ? table(t('chainHeads'), [t('colPartition'), t('colOffset'), t('colHash')], heads, {
              id: 'heads-table',
              hideCaption: true,
              rowHeaders: true,
            })
          : el('p', { text: t('noChains') }),
      ];
      if (health.anchors.length) {
        parts.push(el('h3', { text: t('anchors') }));
        parts.push(
          table(
            t('anchors'),
            [t('colPartition'), t('colOffset'), t('colHash')],
            health.anchors.map(function (a) {
              return [a.partition, a.offset, el('span', { className: 'mono hash', text: a.hash })];
            }),
            { hideCaption: true, rowHeaders: true },
          ),
        );
      }
      replace(byId('chain-heads'), parts);
    }

    function showVerify(run) {
      var box = byId('verify-result');
      if (!run) return replace(box, el('p', { className: 'muted', text: t('neverRun') }));
      var s = run.summary || {};
      replace(box, [
        el('p', {
          id: 'verify-state',
          className: 'badge ' + (run.ok ? 'ok' : 'bad'),
          text: (run.ok ? '✓ ' : '✗ ') + t(run.ok ? 'chainVerified' : 'chainBroken'),
        }),
        el(
          'p',
          {},
          el('time', {
            datetime: run.finishedAt,
            text: t('ranAt', { time: japanTime(run.finishedAt) + ' JST' }),
          }),
        ),
        el('p', {
          text: t('rowsChecked', {
            rows: (s.rows || 0).toLocaleString(lang),
            chains: (s.chains || []).length,
          }),
        }),
        s.firstBad
          ? el('p', {
              className: 'error',
              text: t('firstBad', {
                partition: s.firstBad.chainPartition,
                offset: s.firstBad.chainOffset,
                problem: s.firstBad.problem,
              }),
            })
          : null,
        s.firstBad ? el('p', { className: 'mono', text: s.firstBad.detail }) : null,
      ]);
    }

    function showReconcile(run) {
      var box = byId('reconcile-result');
      if (!run) return replace(box, el('p', { className: 'muted', text: t('neverRun') }));
      var s = run.summary || {};
      var parts = [
        el('p', {
          id: 'reconcile-state',
          className: 'badge ' + (run.ok ? 'ok' : 'bad'),
          text:
            (run.ok ? '✓ ' : '✗ ') +
            (s.error
              ? t('reconcileFailed', { message: s.error })
              : t(run.ok ? 'reconciled' : 'reconcileDifferences')),
        }),
        el(
          'p',
          {},
          el('time', {
            datetime: run.finishedAt,
            text: t('ranAt', { time: japanTime(run.finishedAt) + ' JST' }),
          }),
        ),
      ];
      if (!s.error) {
        parts.push(
          table(
            t('reconciliation'),
            [
              t('colAuditDeliveries'),
              t('colOutboxEvents'),
              t('colMissingFromOutbox'),
              t('colMissingFromAudit'),
              t('colUnreadable'),
              t('colNotVerifiable'),
            ],
            [
              [
                s.auditDeliveries,
                s.outboxEvents,
                s.missingFromOutbox,
                s.missingFromAudit,
                s.unreadable,
                s.notVerifiable,
              ],
            ],
            { hideCaption: true },
          ),
        );
      }
      replace(box, parts);
    }

    byId('verify-now').addEventListener('click', function (event) {
      busy(event.currentTarget, t('verifying'), function () {
        return api('POST', '/v1/audit/verify', {})
          .then(function (run) {
            showVerify(run);
            status(t(run.ok ? 'chainVerified' : 'chainBroken'), run.ok ? '' : 'error');
            return load();
          })
          .catch(function (error) {
            status(failure(error), 'error');
          });
      });
    });

    byId('reconcile-now').addEventListener('click', function (event) {
      busy(event.currentTarget, t('reconciling'), function () {
        return api('POST', '/v1/reconciliation/runs', {})
          .then(function (answer) {
            showReconcile(answer.run);
            status(t(answer.run.ok ? 'reconciled' : 'reconcileDifferences'), answer.run.ok ? '' : 'error');
          })
          .catch(function (error) {
            status(failure(error), 'error');
            return load();
          });
      });
    });

    return load();
  }

  // ---- windowed pages ---------------------------------------------------------------------------

  /** The from/to form of a page, preset to the last 30 days in Japan; `show` is called with the query string. */
  function windowed(show) {
    var now = new Date();
    byId('from').value = japanDay(new Date(now.getTime() - 29 * 24 * 3600 * 1000));
    byId('to').value = japanDay(now);
    function run() {
      var params = new URLSearchParams();
      if (byId('from').value) params.set('from', byId('from').value);
      if (byId('to').value) params.set('to', byId('to').value);
      status(t('loading'));
      return show(params.toString()).then(
        function () {
          status('');
        },
        function (error) {
          status(failure(error), 'error');
        },
      );
    }
    byId('window-form').addEventListener('submit', function (event) {
      event.preventDefault();
      run();
    });
    return run();
  }

  var PALETTE = [
    '#1f5fa8',
    '#b35900',
    '#2e7d32',
    '#8e24aa',
    '#c62828',
    '#00838f',
    '#5d4037',
    '#546e7a',
    '#ad1457',
    '#827717',
    '#283593',
    '#4e342e',
    '#37474f',
    '#6a1b9a',
    '#00695c',
  ];
  var charts = {};

  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    if (typeof window.Chart !== 'function') return; // the tables below each chart carry the same numbers
    config.options = Object.assign(
      { animation: false, responsive: true, maintainAspectRatio: false },
      config.options || {},
    );
    charts[id] = new window.Chart(byId(id), config);
  }

  function deadLettersPage() {
    return windowed(function (query) {
      return api('GET', '/v1/audit/rejections?' + query).then(function (report) {
        byId('rejections-total').textContent = report.total
          ? t('rejectionsTotal', { count: report.total })
          : t('noRejections');
        var days = [];
        report.byDay.forEach(function (r) {
          if (days.indexOf(r.day) < 0) days.push(r.day);
        });
        var reasons = report.byReason.map(function (r) {
          return r.reason;
        });
        chart('rejections-chart', {
          type: 'bar',
          data: {
            labels: days,
            datasets: reasons.map(function (reason, i) {
              return {
                label: reason,
                backgroundColor: PALETTE[i % PALETTE.length],
                data: days.map(function (day) {
                  var hit = report.byDay.find(function (r) {
                    return r.day === day && r.reason === reason;
                  });
                  return hit ? hit.count : 0;
                }),
              };
            }),
          },
          options: {
            scales: {
              x: { stacked: true },
              y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
            },
          },
        });
        replace(
          byId('rejections-by-reason'),
          report.byReason.length
            ? table(
                t('rejectionsByReason'),
                [t('colReason'), t('colCount')],
                report.byReason.map(function (r) {
                  return [el('span', { className: 'mono', text: r.reason }), r.count];
                }),
                { id: 'reasons-table', rowHeaders: true },
              )
            : null,
        );
        replace(
          byId('latest-rejections'),
          report.latest.length
            ? table(
                t('latestRejections'),
                [
                  t('colTime'),
                  t('colReason'),
                  t('colEventType'),
                  t('colSource'),
                  t('colInbound'),
                  t('colAuditId'),
                ],
                report.latest.map(function (r) {
                  return [
                    el('time', { datetime: r.time, text: japanTime(r.time) }),
                    el('span', { className: 'mono', text: r.reason }),
                    r.type || '—',
                    r.inboundSource || '—',
                    el('span', {
                      className: 'mono',
                      text: r.inboundTopic + ' / ' + r.inboundPartition + ' / ' + r.inboundOffset,
                    }),
                    el('span', { className: 'mono', text: r.auditId }),
                  ];
                }),
                { id: 'latest-table', hideCaption: true },
              )
            : el('p', { text: t('noRejections') }),
        );
      });
    });
  }

  function minimisationPage() {
    return windowed(function (query) {
      return api('GET', '/v1/audit/minimisation?' + query).then(function (report) {
        var rows = report.rows;
        var names = rows.map(function (r) {
          return label('roles', r.recipientRole) + ' · ' + label('purposes', r.purpose);
        });
        var per = function (n, r) {
          return Math.round((n / r.deliveries) * 10) / 10;
        };
        chart('minimisation-chart', {
          type: 'bar',
          data: {
            labels: names,
            datasets: [
              {
                label: t('fieldsDeliveredPerDelivery'),
                backgroundColor: '#1f5fa8',
                data: rows.map(function (r) {
                  return per(r.fieldsDelivered, r);
                }),
              },
              {
                label: t('fieldsWithheldPerDelivery'),
                backgroundColor: '#b35900',
                data: rows.map(function (r) {
                  return per(r.fieldsWithheld, r);
                }),
              },
            ],
          },
          options: {
            indexAxis: 'y',
            scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } },
          },
        });
        replace(
          byId('minimisation-table'),
          rows.length
            ? table(
                t('minimisationChart'),
                [
                  t('colRole'),
                  t('colPurposes'),
                  t('colCount'),
                  t('colFieldsDelivered'),
                  t('colFieldsWithheld'),
                  t('colWithheldShare'),
                  t('colWhichWithheld'),
                ],
                rows.map(function (r) {
                  var all = r.fieldsDelivered + r.fieldsWithheld;
                  return [
                    label('roles', r.recipientRole),
                    el('span', { title: r.purpose, text: label('purposes', r.purpose) }),
                    r.deliveries,
                    r.fieldsDelivered,
                    r.fieldsWithheld,
                    all ? Math.round((r.fieldsWithheld / all) * 100) + '%' : '—',
                    r.withheld.length
                      ? el(
                          'ul',
                          { className: 'fields withheld' },
                          r.withheld.map(function (f) {
                            return el('li', { className: 'mono', text: f.field + ' (' + f.count + ')' });
                          }),
                        )
                      : '—',
                  ];
                }),
                { id: 'minimisation-rows', hideCaption: true },
              )
            : el('p', { text: t('noDeliveries') }),
        );
      });
    });
  }

  // ---- registry ---------------------------------------------------------------------------------

  function registryPage() {
    byId('show-parties').addEventListener('click', function (event) {
      busy(event.currentTarget, t('loading'), function () {
        return api('GET', '/v1/registry/parties')
          .then(function (parties) {
            replace(
              byId('parties-detail'),
              table(
                t('partiesDetail'),
                [t('colPartyId'), t('colRole'), t('colArea'), t('colName')],
                parties.map(function (p) {
                  return [
                    el('span', { className: 'mono', text: p.id }),
                    label('roles', p.role),
                    p.area ? areaName(p.area) : '—',
                    p.name,
                  ];
                }),
                { id: 'parties-table', hideCaption: true, rowHeaders: true },
              ),
            );
            status('');
          })
          .catch(function (error) {
            var text =
              error instanceof ApiError && error.status === 403 ? t('detailsNeedAdmin') : failure(error);
            replace(
              byId('parties-detail'),
              el('p', { className: 'notice', id: 'parties-denied', text: text }),
            );
            status(text);
          });
      });
    });
    status(t('loading'));
    return api('GET', '/v1/registry/counts')
      .then(function (r) {
        byId('registry-asof').textContent =
          t('asOfDay', { day: r.today }) + ' · ' + t('registryVersion') + ' ' + r.version;
        var roles = Object.keys(r.parties.byRole);
        var tdso = r.parties.byRoleAndArea.filter(function (x) {
          return x.area;
        });
        var areaRows = function (list) {
          return list.map(function (a) {
            return [areaName(a.area), a.count];
          });
        };
        replace(byId('registry-cards'), [
          el(
            'section',
            { className: 'card', 'aria-labelledby': 'card-roles' },
            el('h2', { id: 'card-roles', text: t('partiesByRole') }),
            table(
              t('partiesByRole'),
              [t('colRole'), t('colCount')],
              roles
                .map(function (role) {
                  return [label('roles', role), r.parties.byRole[role]];
                })
                .concat([[t('total'), r.parties.total]]),
              { id: 'roles-table', hideCaption: true, rowHeaders: true },
            ),
          ),
          el(
            'section',
            { className: 'card', 'aria-labelledby': 'card-areas' },
            el('h2', { id: 'card-areas', text: t('tdsoByArea') }),
            table(t('tdsoByArea'), [t('colArea'), t('colCount')], areaRows(tdso), {
              hideCaption: true,
              rowHeaders: true,
            }),
          ),
          el(
            'section',
            { className: 'card', 'aria-labelledby': 'card-enrollments' },
            el('h2', { id: 'card-enrollments', text: t('enrollmentsInForce') }),
            el('p', {
              className: 'big',
              id: 'enrollments-in-force',
              text: r.enrollments.inForce + ' / ' + r.enrollments.total,
            }),
            table(t('byArea'), [t('colArea'), t('colCount')], areaRows(r.enrollmentsInForceByArea), {
              rowHeaders: true,
            }),
          ),
          el(
            'section',
            { className: 'card', 'aria-labelledby': 'card-consents' },
            el('h2', { id: 'card-consents', text: t('consentsInForce') }),
            el('p', {
              className: 'big',
              id: 'consents-in-force',
              text: r.consents.inForce + ' / ' + r.consents.total,
            }),
            el('p', { text: t('consentsRevoked') + ': ' + r.consents.revoked }),
            table(t('byArea'), [t('colArea'), t('colCount')], areaRows(r.consentsInForceByArea), {
              rowHeaders: true,
            }),
          ),
        ]);
        status('');
      })
      .catch(function (error) {
        status(failure(error), 'error');
      });
  }

  // ---- start ------------------------------------------------------------------------------------

  var pages = {
    disclosures: disclosuresPage,
    audit: auditPage,
    'dead-letters': deadLettersPage,
    minimisation: minimisationPage,
    registry: registryPage,
  };

  if (page === 'sign-in') {
    if (apiKey()) {
      window.location.assign(
        '/console/' +
          (sessionStorage.getItem(ROLE) === 'auditor' ? 'disclosures' : 'registry') +
          '?lang=' +
          lang,
      );
      return;
    }
    signInPage();
    return;
  }
  if (!apiKey()) {
    window.location.assign('/console?lang=' + lang);
    return;
  }
  showSession();
  Promise.resolve(pages[page]()).then(function () {
    body.dataset.ready = 'true';
  });
})();
