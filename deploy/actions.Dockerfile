# The action server (and the ops CLI, migrations, reconciler and O'mari
# sandbox, which share its code) on the official rasa-sdk image.
#   docker compose build   (docker-compose.yml builds it as kali-safaris-actions)
FROM rasa/rasa-sdk:3.6.2

USER root
WORKDIR /app
COPY deploy/actions-requirements.txt constraints.txt /tmp/pins/
# The same exact versions the tests run with (constraints.txt).
RUN pip install --no-cache-dir -r /tmp/pins/actions-requirements.txt -c /tmp/pins/constraints.txt \
    && rm -rf /tmp/pins
COPY alembic.ini /app/
COPY actions /app/actions
COPY payments /app/payments
COPY parsing /app/parsing
COPY common /app/common
# The reply catalogues: the phrases actions put inside replies (actions/languages.py).
COPY translations /app/translations
COPY omari_sandbox /app/omari_sandbox
USER 1001

# The image's entrypoint runs `python -m rasa_sdk "$@"`.
CMD ["--actions", "actions", "--port", "5055"]
