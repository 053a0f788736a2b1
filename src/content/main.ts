// Content script: runs in every frame. Detects forms and fills on request.
document.documentElement.dataset.meshpass = 'ready';
